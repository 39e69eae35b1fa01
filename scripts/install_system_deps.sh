#!/usr/bin/env bash
# Debian packages the tests need: PortAudio/ALSA for the microphone path, the TTS engines and
# voices the data pipeline synthesises with, and the real-speech telephone prompts used for eval.
set -euo pipefail
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
here="$(cd "$(dirname "$0")" && pwd)"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends libportaudio2 alsa-utils libasound2-plugins sox >/dev/null
if [ -x "$here/install_tts.sh" ]; then
  $SUDO bash "$here/install_tts.sh"
fi
