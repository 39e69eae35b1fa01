#!/usr/bin/env bash
# Build the evaluation sets the model card reports on, into DIR (default: data/eval):
# held-out-voice synthetic speech (clean, and at 10 dB SNR), the hand-written commands spoken by voices
# the shipped model never heard (tagged by the templates of the shipped LM's catalog, packaged and
# train/domain/broader) and the Asterisk telephone prompts.
# The real-speech sets ../shared/eval/public and ../shared/eval/digits are used where they are.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-data/eval}"
python -m train.synth --out "$out/synth_eval_clean" --split eval --n 400 --seed 2 --workers 2 \
    --exclude-manifest ../shared/eval/public/manifest.jsonl \
    --exclude-manifest ../shared/train/ljspeech/manifest.jsonl
python -m train.noisy_eval --clean "$out/synth_eval_clean/manifest.jsonl" --out "$out/synth_eval_noisy" --snr 10 --seed 0
python -m train.handwritten_eval --out "$out/handwritten" --seed 0 --domain-dir train/domain/broader
python -m train.asterisk --out "$out/asterisk"
