#!/usr/bin/env bash
# Evaluate the shipped default model on every evaluation set; reports into docs/eval/<set>/, one
# JSON line per set into docs/eval/summary.jsonl, and their table into the model card's Evaluation
# section. DIR holds the sets that scripts/make_eval_sets.sh builds (default: data/eval); the
# real-speech sets are read in ../shared.
set -euo pipefail
cd "$(dirname "$0")/.."
sets="${1:-data/eval}"
manifests=(
    "synth_eval_clean=$sets/synth_eval_clean/manifest.jsonl"
    "synth_eval_noisy=$sets/synth_eval_noisy/manifest.jsonl"
    "handwritten=$sets/handwritten/manifest.jsonl"
    "public=../shared/eval/public/manifest.jsonl"
    "digits=../shared/eval/digits/manifest.jsonl"
    "asterisk=$sets/asterisk/manifest.jsonl"
)
: > docs/eval/summary.jsonl
all=()
for item in "${manifests[@]}"; do
    name="${item%%=*}"; manifest="${item#*=}"
    all+=("$manifest")
    earshot eval "$manifest" --json --report "docs/eval/$name" | tail -n 1 >> docs/eval/summary.jsonl
done
earshot eval "${all[@]}" --json --report docs/eval/union | tail -n 1 >> docs/eval/summary.jsonl
python3 - <<'PY'
import json
for line in open("docs/eval/summary.jsonl"):
    r = json.loads(line)
    print(f"{r['manifest'] if isinstance(r['manifest'], str) else 'union':<60} wer {r['wer']:.3f} cer {r['cer']:.3f} "
          f"auroc {r['auroc']:.3f} ece {r['ece']:.3f} rtf {r['rtf']:.4f} n {r['utterances']}")
PY
"$(dirname "$(command -v earshot)")/python" -m train.card_results docs/eval/summary.jsonl \
    edge/models/default/MODEL_CARD.md --command "bash scripts/eval_shipped.sh $sets"
