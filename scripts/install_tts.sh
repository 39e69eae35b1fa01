#!/usr/bin/env bash
# Install every offline text-to-speech engine and voice earshot's synthesiser uses (Debian bookworm),
# plus the Debian data packages the corpus draws on (WordNet text, Asterisk prompts).
# Some voices live in contrib / non-free, so this first makes sure apt can see those sections.
# Run as root: sudo scripts/install_tts.sh
set -euo pipefail

SOURCES=/etc/apt/sources.list.d/earshot-contrib-non-free.sources

has_sections() {
    # True when some apt source already enables both contrib and non-free for bookworm.
    grep -rhs -A3 -E '^(Suites:.*bookworm|deb .*bookworm)' /etc/apt/sources.list /etc/apt/sources.list.d/ \
        | grep -q 'contrib' && \
    grep -rhs -A3 -E '^(Suites:.*bookworm|deb .*bookworm)' /etc/apt/sources.list /etc/apt/sources.list.d/ \
        | grep -q 'non-free'
}

if ! has_sections; then
    # Listing `main` again where another source already has it makes apt warn "configured
    # multiple times" on every run, so add main only when no source provides it.
    components="contrib non-free"
    grep -rqs -E '^Components:.*\bmain\b|^deb .*bookworm.* main' /etc/apt/sources.list /etc/apt/sources.list.d/ \
        || components="main $components"
    echo "adding '$components' to apt sources: $SOURCES"
    cat > "$SOURCES" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: $components
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

PACKAGES=(
    # flite (main, BSD-style)
    flite
    # festival and its English voices (main); mbrola-backed festival voices (contrib)
    festival festvox-kallpc16k festvox-kdlpc16k festvox-rablpc16k festvox-don festvox-us-slt-hts
    festvox-us1 festvox-us2 festvox-us3 festvox-en1
    # SVOX pico (non-free)
    libttspico-utils
    # RHVoice and its English voices (non-free)
    rhvoice rhvoice-english
    # espeak-ng (main) and the mbrola voices it can drive (contrib)
    espeak-ng mbrola mbrola-us1 mbrola-us2 mbrola-us3 mbrola-en1
    # general English text (WordNet usage examples); Asterisk's recorded prompts and their
    # transcripts (core-sounds-en.txt, in asterisk-core-sounds-en) for evaluation on real speech
    wordnet-base asterisk-core-sounds-en asterisk-core-sounds-en-wav
)

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${PACKAGES[@]}"
