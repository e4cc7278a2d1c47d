#!/usr/bin/env bash
# Train (or resume) the character language models on the same stream (core/lm.py), one after another.
#   scripts/train_lms.sh [NAME ...]    NAME: transformer lstm gru transformer-alibi transformer-learned (the shipped
#                                      five), rope learned-smear even 4-layer repeat-0.25 repeat-0 (runs kept for
#                                      their JSON in data/lm/runs/)
#   DEVICE=cuda scripts/train_lms.sh   where there is a GPU; the checkpoints stay CPU-loadable
# Every run reads the same stream (seeded by step) under the same schedule: a 100-step warm-up, then a cosine decay
# to a tenth at step 3,000.  Three runs in data/lm/runs/ (4-layer, repeat-0.25, repeat-0) stopped after 1,500 steps
# of that schedule, to compare with the shipped Transformer at its step-1,500 checkpoint.  Idempotent: a finished
# run is skipped; an interrupted one is resumed from its last checkpoint (MODEL.state.pt, every 250 steps).  Each
# run is one CPU thread: about 30 minutes for 3,000 steps on this project's 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
STEPS=3000
RUN_STEPS=1500  # data/lm/runs/: stopped here
declare -A RUNS=(
  [transformer]="data/lm/transformer.pt --model transformer --position alibi --smear --layers 2 --spacing near"
  [lstm]="data/lm/lstm.pt --model lstm --spacing near"
  [gru]="data/lm/gru.pt --model gru --spacing near"
  [transformer-alibi]="data/lm/transformer-alibi.pt --model transformer --position alibi --layers 2 --spacing near"
  [transformer-learned]="data/lm/transformer-learned.pt --model transformer --position learned --layers 2 --spacing near"
  [rope]="data/lm/runs/transformer-rope.pt --model transformer --position rope --layers 2 --spacing near"
  [learned-smear]="data/lm/runs/transformer-learned-smear.pt --model transformer --position learned --smear --spacing near"
  [even]="data/lm/runs/transformer-even.pt --model transformer --position alibi --layers 2 --spacing even"
  [4-layer]="data/lm/runs/transformer-4-layer.pt --model transformer --position alibi --layers 4 --spacing near"
  [repeat-0.25]="data/lm/runs/transformer-repeat-0.25.pt --model transformer --repeat 0.25 --layers 2 --spacing near"
  [repeat-0]="data/lm/runs/transformer-repeat-0.pt --model transformer --repeat 0 --layers 2 --spacing near"
)
STOPPED=(4-layer repeat-0.25 repeat-0)  # stopped at RUN_STEPS
ORDER=(transformer lstm gru transformer-alibi transformer-learned rope learned-smear even 4-layer repeat-0.25 repeat-0)
steps_done() {  # the steps a checkpoint's JSON records (0 if none)
  python -c 'import json,sys; print(json.load(open(sys.argv[1]))["steps"])' "$1" 2>/dev/null || echo 0
}
for name in "${@:-${ORDER[@]}}"; do
  [[ -n "${RUNS[$name]:-}" ]] || { echo "unknown run: $name (one of ${ORDER[*]})" >&2; exit 2; }
  read -r out args <<< "${RUNS[$name]}"
  meta="${out%.pt}.json" state="${out%.pt}.state.pt"
  until_step=$STEPS
  [[ " ${STOPPED[*]} " == *" $name "* ]] && until_step=$RUN_STEPS
  if [[ -f "$meta" && "$(steps_done "$meta")" -ge "$until_step" ]]; then
    echo "done: $out at $until_step steps"
  else
    resume=()
    [[ -f "$state" ]] && resume=(--resume)
    echo "training: $out to step $until_step of $STEPS ${resume[*]}"
    # shellcheck disable=SC2086  # $args holds several flags
    python -m core lm-train --steps "$STEPS" --stop-after "$until_step" --out "$out" --device "${DEVICE:-cpu}" \
      "${resume[@]}" $args >/dev/null
  fi
  rm -f "$state"  # done: the optimizer's state was only for resuming
done
