#!/usr/bin/env bash
# Measure the shipped language models (after scripts/train_lms.sh): the context curves the "On real text" page
# shows and the copying gain the "Retrieval" page shows.  The tests compare these files with the commands' output.
set -euo pipefail
cd "$(dirname "$0")/.."
for model in lstm gru transformer; do
  python -m core context --model "$model" > "data/lm/context-$model.csv"
done
for model in lstm gru transformer transformer-alibi transformer-learned; do
  python -m core retrieval --model "$model" --detail > "data/lm/retrieval-$model.csv"
done
