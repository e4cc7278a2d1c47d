"""Command line: `python -m core probe | attention | depth | train | sweep | timings | stability | …`.

`probe` prints the probe's table as CSV or JSON; `train` trains one model on a task and prints
JSON (`--save PATH` writes a checkpoint); `sweep` trains every model over several distances and
writes data/sweep.csv.

    python -m core probe --model rnn --seq-len 100 --weight-scale 0.9 --hidden-size 64 \\
        --nonlinearity tanh --init orthogonal --seed 0 --format csv
    python -m core probe --model lstm --forget-bias 5 --seq-len 1000 --window 200

Models: rnn, birnn (same options as rnn, for each direction), lstm (--forget-bias), gru (--update-bias),
transformer (--layers, --heads, --no-positional; --window K restricts attention to |i − j| < K).

CSV columns: position,distance,grad_norm,log10_grad_norm (grad_norm is inf/0 past float64's range;
log10_grad_norm is exact, -inf only where no gradient path exists).  JSON: a list of records with
those keys, non-finite numbers written as null.  A bad argument exits with status 2 and one line.

A real pretrained Transformer, all-MiniLM-L6-v2 (core/minilm.py), on a text of your own:

    python -m core attention --model minilm --text "The trophy would not fit" --format json
    python -m core probe --model minilm --text "The trophy would not fit" --seed 0 --format csv

`attention` prints {"model", "tokens", "attention"}, attention[layer][head][i][j] the weight from word
piece i to j; `probe --model minilm` adds a token column.  A text longer than the model's 512
positions is truncated to its first 511 word pieces and [SEP], with a note on stderr.

`depth` prints ‖∂ℓ/∂h_l‖ for every layer of a deep feed-forward network (core/depth.py), layer 1
nearest the input, ℓ a fixed random unit readout of the last layer:

    python -m core depth --layers 50 --width 64 --activation sigmoid --init xavier --seed 0 --format csv
    python -m core depth --layers 50 --activation sigmoid --residual --norm

CSV columns: layer,grad_norm,log10_grad_norm.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import re
import sys
from pathlib import Path

import pandas as pd

from . import retrieval
from .char_transformer import POSITIONS
from .checkpoint import save
from .depth import ACTIVATIONS, MAX_LAYERS, MAX_WIDTH, DepthConfig, gradient_by_layer
from .depth import INITS as DEPTH_INITS
from .lm import LM_MODELS, SPACINGS, LMConfig
from .models import MODELS, model_options
from .models.rnn import INITS, NONLINEARITIES, RNNConfig
from .models.sequence import SEQUENCE_MODELS
from .probe import gradient_through_time
from .stability import LRS as STABILITY_LRS
from .stability import OUT as STABILITY_OUT
from .stability import SEEDS as STABILITY_SEEDS
from .stability import STABILITY_MODELS, StabilityConfig
from .stability import WARMUPS as STABILITY_WARMUPS
from .sweep_training import (
    SWEEP_LENGTHS,
    SWEEP_MODELS,
    SWEEP_SECONDS,
    SWEEP_SEEDS,
    SWEEP_STEPS,
    merged,
    run_sweep,
    write_csv,
)
from .tasks import TASKS
from .threads import one_thread_each
from .training import MAX_SECONDS, MAX_STEPS, TrainConfig, train

# flags only some models take
MODEL_SPECIFIC = (
    "nonlinearity",
    "init",
    "forget_bias",
    "update_bias",
    "layers",
    "heads",
    "positional",
    "r_min",
    "r_max",
)


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one clear line instead of argparse's usage block
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    defaults = RNNConfig()
    top = _Parser(prog="python -m core", description="Gradient Lab core: probes and theory, no UI.")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("probe", help="print ‖∂ℓ/∂x_t‖ for every position t")
    p.add_argument("--model", choices=(*MODELS, "minilm"), default="rnn")
    p.add_argument("--text", default=None, help="minilm: the text whose word pieces are probed")
    p.add_argument("--seq-len", type=int, default=None, help="T, the number of inputs (default 100)")
    p.add_argument("--weight-scale", type=float, default=None, help="ρ of the recurrent W")
    p.add_argument("--hidden-size", type=int, default=None)
    p.add_argument("--nonlinearity", choices=NONLINEARITIES, default=None, help="rnn/birnn (default tanh)")
    p.add_argument("--init", choices=INITS, default=None, help="rnn/birnn (default orthogonal)")
    p.add_argument("--input-scale", type=float, default=None, help="std of each input unit (default 1)")
    p.add_argument(
        "--window",
        type=int,
        default=None,
        help="rnn/lstm/gru: backprop through the last K steps; transformer: attend to |i-j| < K; 0 = full",
    )
    p.add_argument("--forget-bias", type=float, default=None, help="LSTM forget-gate bias b_f (default 1)")
    p.add_argument(
        "--update-bias", type=float, default=None, help="GRU update-gate bias b_z (default 0); minGRU's (default −3)"
    )
    p.add_argument("--r-min", type=float, default=None, help="lru: the smallest |λ| drawn (default 0.9)")
    p.add_argument("--r-max", type=float, default=None, help="lru: the largest |λ| drawn (default 0.999)")
    p.add_argument("--layers", type=int, default=None, help="transformer layers (default 2)")
    p.add_argument("--heads", type=int, default=None, help="transformer attention heads (default 4)")
    p.add_argument(
        "--no-positional",
        dest="positional",
        action="store_false",
        default=None,
        help="transformer without positional encoding",
    )
    p.add_argument("--seed", type=int, default=defaults.seed)
    p.add_argument("--format", choices=("csv", "json"), default="csv")

    at = sub.add_parser("attention", help="print a real Transformer's attention weights for a text (JSON)")
    at.add_argument("--model", choices=("minilm",), default="minilm", help="all-MiniLM-L6-v2, shipped by a package")
    at.add_argument("--text", required=True)
    at.add_argument("--format", choices=("json",), default="json")

    lm = LMConfig()
    lt = sub.add_parser("lm-train", help="train a character-level language model on the King James text")
    lt.add_argument("--model", choices=LM_MODELS, required=True)
    lt.add_argument("--steps", type=int, default=lm.steps, help=f"optimizer steps (default {lm.steps})")
    lt.add_argument("--batch-size", type=int, default=lm.batch_size)
    lt.add_argument("--context", type=int, default=lm.context, help="characters a training window (default 256)")
    lt.add_argument("--lr", type=float, default=lm.lr)
    lt.add_argument("--seed", type=int, default=lm.seed)
    lt.add_argument("--position", choices=POSITIONS, default=lm.position, help="the Transformer's position scheme")
    lt.add_argument("--layers", type=int, default=lm.layers, help=f"the model's depth (default {lm.layers})")
    lt.add_argument("--heads", type=int, default=lm.heads, help=f"the Transformer's heads (default {lm.heads})")
    lt.add_argument(
        "--repeat", type=float, default=lm.repeat, help=f"windows holding a repeated passage (default {lm.repeat})"
    )
    lt.add_argument("--smear", action="store_true", help="the Transformer's keys smeared (Olsson et al. 2022)")
    lt.add_argument(
        "--spacing", choices=SPACINGS, default=lm.spacing, help=f"how far apart the copies are (default {lm.spacing})"
    )
    lt.add_argument("--save-every", type=int, default=250, help="write the checkpoint every K steps (0: at the end)")
    lt.add_argument("--resume", action="store_true", help="continue the run saved at --out up to --steps in all")
    lt.add_argument("--stop-after", type=int, default=None, help="stop (resumably) once this many steps are done")
    lt.add_argument("--device", default="cpu", help="cpu, or cuda where there is one; the checkpoint stays CPU")
    lt.add_argument("--out", default=None, help="the checkpoint (default data/lm/MODEL.pt; its JSON beside it)")

    rt = sub.add_parser("retrieval", help="a passage shown twice: each copy's bits/char against their distance")
    rt.add_argument("--model", choices=LM_CHECKPOINTS, required=True)
    rt.add_argument("--distance", type=int, default=None, help="the gap between the copies (default: a sweep)")
    rt.add_argument("--length", type=int, default=retrieval.LENGTH, help="characters a passage (default 48)")
    rt.add_argument("--passages", type=int, default=retrieval.PASSAGES, help="passages averaged (default 24)")
    rt.add_argument("--seed", type=int, default=0, help="which held-out passages")
    rt.add_argument("--detail", action="store_true", help="add the median and range of the gain and the control")
    rt.add_argument("--format", choices=("csv", "json"), default="csv")

    cx = sub.add_parser("context", help="loss against context length, truncated and shuffled (a shipped model)")
    cx.add_argument("--model", choices=LM_CHECKPOINTS, required=True)
    cx.add_argument("--targets", type=int, default=2000, help="held-out characters averaged over (default 2000)")
    cx.add_argument("--format", choices=("csv",), default="csv")

    sa = sub.add_parser("sample", help="text drawn from a shipped language model")
    sa.add_argument("--model", choices=LM_CHECKPOINTS, required=True)
    sa.add_argument("--prompt", default="")
    sa.add_argument("--length", type=int, default=200)
    sa.add_argument("--temperature", type=float, default=1.0)
    sa.add_argument("--seed", type=int, default=0)

    d = TrainConfig()
    tr = sub.add_parser("train", help="train a model on a long-range task; prints JSON")
    tr.add_argument("--model", choices=SEQUENCE_MODELS, default=d.model)
    tr.add_argument("--task", choices=TASKS, default=d.task)
    tr.add_argument("--seq-len", type=int, default=d.seq_len)
    tr.add_argument("--steps", type=int, default=d.steps, help=f"step cap (default {d.steps}, at most {MAX_STEPS})")
    tr.add_argument("--seed", type=int, default=d.seed)
    tr.add_argument("--batch-size", type=int, default=d.batch_size)
    tr.add_argument("--lr", type=float, default=d.lr)
    tr.add_argument("--forget-bias", type=float, default=d.forget_bias, help="LSTM forget-gate bias")
    tr.add_argument("--update-bias", type=float, default=d.update_bias, help="GRU update-gate bias")
    tr.add_argument("--clip", type=float, default=d.clip, help="gradient-norm clipping threshold; 0 = off")
    tr.add_argument(
        "--time-limit",
        type=float,
        default=MAX_SECONDS,
        help=f"seconds (default and most {MAX_SECONDS:g}); a run it stops says so on stderr and in 'capped'",
    )
    tr.add_argument("--solved-at", type=float, default=d.solved_at, help="stop once accuracy reaches this; 0 = never")
    tr.add_argument("--save", metavar="PATH", help="write the weights (state dict) and PATH.json")
    tr.add_argument("--format", choices=("json",), default="json")

    tm = sub.add_parser("timings", help="time one layer of each kind against n (Table 1); writes a CSV and its JSON")
    tm.add_argument("--runs", type=int, default=7, help="timings of each layer and n (default 7)")
    tm.add_argument("--out", default="data/timings.csv", help="the CSV; the machine and date go to the same name .json")

    dd = DepthConfig()
    dp = sub.add_parser("depth", help="print ‖∂ℓ/∂h_l‖ for every layer l of a deep feed-forward network")
    dp.add_argument("--layers", type=int, default=dd.layers, help=f"L, 1 to {MAX_LAYERS} (default {dd.layers})")
    dp.add_argument("--width", type=int, default=dd.width, help=f"H, 1 to {MAX_WIDTH} (default {dd.width})")
    dp.add_argument("--activation", choices=ACTIVATIONS, default=dd.activation)
    dp.add_argument("--init", choices=DEPTH_INITS, default=dd.init)
    dp.add_argument("--scale", type=float, default=dd.scale, help="multiplies every weight matrix (default 1)")
    dp.add_argument("--residual", action="store_true", help="h_l = h_{l-1} + φ(W_l ...)")
    dp.add_argument("--norm", action="store_true", help="LayerNorm on each layer's input")
    dp.add_argument("--seed", type=int, default=dd.seed)
    dp.add_argument("--format", choices=("csv", "json"), default="csv")

    st = sub.add_parser("stability", help="train one setting of the stability sweep (JSON), or --sweep the grid")
    sc = StabilityConfig()
    st.add_argument("--model", choices=STABILITY_MODELS, default=None)
    st.add_argument("--lr", type=float, default=sc.lr)
    st.add_argument("--warmup", type=int, default=sc.warmup, help="steps of linear warm-up (default 0)")
    st.add_argument("--seed", type=int, default=sc.seed)
    st.add_argument("--steps", type=int, default=sc.steps, help=f"optimizer steps (default {sc.steps})")
    st.add_argument("--layers", type=int, default=sc.layers, help=f"the Transformers' depth (default {sc.layers})")
    st.add_argument("--device", default="cpu", help="cpu, or cuda where there is one")
    st.add_argument("--format", choices=("json",), default="json")
    st.add_argument("--sweep", action="store_true", help="run the grid below, skipping the runs already in --out")
    st.add_argument("--models", nargs="+", choices=STABILITY_MODELS, default=list(STABILITY_MODELS))
    st.add_argument("--lrs", nargs="+", type=float, default=list(STABILITY_LRS))
    st.add_argument("--warmups", nargs="+", type=int, default=list(STABILITY_WARMUPS))
    st.add_argument("--seeds", nargs="+", type=int, default=list(STABILITY_SEEDS))
    st.add_argument("--out", default=str(STABILITY_OUT), help="the sweep's folder: one MODEL.jsonl a model")

    sw = sub.add_parser("sweep", help="train every model over several distances; writes a CSV")
    sw.add_argument("--models", nargs="+", choices=SEQUENCE_MODELS, default=list(SWEEP_MODELS))
    sw.add_argument("--lengths", nargs="+", type=int, default=list(SWEEP_LENGTHS))
    sw.add_argument("--seeds", nargs="+", type=int, default=list(SWEEP_SEEDS))
    sw.add_argument("--steps", type=int, default=SWEEP_STEPS)
    sw.add_argument("--time-limit", type=float, default=SWEEP_SECONDS, help="seconds per run")
    sw.add_argument("--out", default="data/sweep.csv", help="kept rows of other settings; each run is added as it ends")
    sw.add_argument("--resume", action="store_true", help="skip the runs --out already holds")
    return top


def _json_number(value):
    return value if math.isfinite(value) else None


def _print_table(frame, fmt: str) -> None:
    """A table on stdout: CSV, or JSON records (whole-number columns as ints, non-finite numbers as null)."""
    if fmt == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return
    whole = {name for name, dtype in frame.dtypes.items() if dtype.kind in "iu"}
    records = [
        {name: int(v) if name in whole else _json_number(float(v)) for name, v in zip(frame.columns, row, strict=True)}
        for row in frame.itertuples(index=False)
    ]
    json.dump(records, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "train":
        return _train(args)
    if args.command == "sweep":
        return _sweep(args)
    if args.command == "stability":
        return _stability(args)
    if args.command == "timings":
        return _timings(args)
    if args.command == "depth":
        return _depth(args)
    if args.command == "attention":
        return _attention(args)
    if args.command in ("lm-train", "context", "sample", "retrieval"):
        return _language_model(args)
    one_thread_each()  # small arrays: a second thread only contends (core/threads.py)
    if args.model == "minilm":
        return _minilm_probe(args)
    if args.text is not None:
        print(f"python -m core probe: error: --text applies to --model minilm, not {args.model}", file=sys.stderr)
        return 2
    toy = {"seq_len": 100, "input_scale": 1.0, "window": 0}
    rnn = RNNConfig()
    toy |= {"hidden_size": rnn.hidden_size, "weight_scale": rnn.weight_scale}
    if args.model in ("lru", "mingru"):  # no recurrent matrix to scale, no truncation window
        for flag in ("weight_scale", "window"):
            if getattr(args, flag) is not None:
                name = flag.replace("_", "-")
                print(f"python -m core probe: error: --{name} does not apply to --model {args.model}", file=sys.stderr)
                return 2
            del toy[flag]
    options = {name: toy[name] if getattr(args, name) is None else getattr(args, name) for name in toy}
    options["seed"] = args.seed
    for flag in MODEL_SPECIFIC:  # given for a model that lacks it: refuse rather than silently ignore
        if getattr(args, flag) is not None:
            if flag not in model_options(args.model):
                print(
                    f"python -m core probe: error: --{flag.replace('_', '-')} does not apply to --model {args.model}",
                    file=sys.stderr,
                )
                return 2
            options[flag] = getattr(args, flag)
    try:
        frame = gradient_through_time(args.model, **options)
    except ValueError as err:  # name the flag, not the Python field: seq_len -> --seq-len
        flags = "|".join(options)
        message = re.sub(rf"\b({flags})\b", lambda m: "--" + m.group(1).replace("_", "-"), str(err))
        print(f"python -m core probe: error: {message}", file=sys.stderr)
        return 2
    _print_table(frame, args.format)
    return 0


TOY_FLAGS = ("seq_len", "weight_scale", "hidden_size", "input_scale", "window", *MODEL_SPECIFIC)


def _minilm_encoded(command: str, text: str):
    """The text's word pieces, with a note on stderr where it is longer than the model's 512 positions."""
    from . import minilm

    try:
        enc = minilm.encode(text)
    except minilm.ModelMissing as err:
        print(f"python -m core {command}: error: {err}", file=sys.stderr)
        return None
    if enc.truncated:
        print(
            f"python -m core {command}: note: the text is {enc.chars} characters, {enc.pieces} word pieces; "
            f"the model reads its first {minilm.MAX_TOKENS - 1} (of at most {minilm.MAX_CHARS} characters) "
            f"and [SEP], its {minilm.MAX_TOKENS} positions",
            file=sys.stderr,
        )
    return enc


def _minilm_probe(args) -> int:
    from . import minilm

    given = [flag for flag in TOY_FLAGS if getattr(args, flag) is not None]
    if given:
        flag = given[0].replace("_", "-")
        print(f"python -m core probe: error: --{flag} does not apply to --model minilm", file=sys.stderr)
        return 2
    if args.text is None:
        print("python -m core probe: error: --model minilm needs --text TEXT", file=sys.stderr)
        return 2
    enc = _minilm_encoded("probe", args.text)
    if enc is None:
        return 2
    frame = minilm.gradient_profile(enc, args.seed)
    if args.format == "csv":
        frame.to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    records = [
        {
            "position": int(row.position),
            "distance": int(row.distance),
            "grad_norm": _json_number(float(row.grad_norm)),
            "log10_grad_norm": _json_number(float(row.log10_grad_norm)),
            "token": row.token,
        }
        for row in frame.itertuples(index=False)
    ]
    json.dump(records, sys.stdout, allow_nan=False, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


def _attention(args) -> int:
    from . import minilm

    one_thread_each()
    enc = _minilm_encoded("attention", args.text)
    if enc is None:
        return 2
    att = minilm.attention(enc)
    out = {"model": minilm.NAME, "tokens": list(enc.tokens), "attention": att.tolist()}
    json.dump(out, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")
    return 0


LM_DIR = "data/lm"  # the shipped checkpoints, relative to the repository
LM_CHECKPOINTS = (*LM_MODELS, "transformer-alibi", "transformer-learned")  # ALiBi alone; learned positions


def _lm_path(model: str):
    return Path(__file__).resolve().parent.parent / LM_DIR / f"{model}.pt"


def _language_model(args) -> int:
    """lm-train, context and sample (core/lm.py, core/context.py)."""
    one_thread_each()
    command = args.command
    if command == "lm-train":
        try:
            config = LMConfig(
                model=args.model,
                steps=args.steps,
                batch_size=args.batch_size,
                context=args.context,
                lr=args.lr,
                seed=args.seed,
                position=args.position,
                repeat=args.repeat,
                spacing=args.spacing,
                layers=args.layers,
                heads=args.heads,
                smear=args.smear,
            )
            if args.save_every < 0:
                raise ValueError(f"save_every must be 0 or more; got {args.save_every}")
            if args.stop_after is not None and not 1 <= args.stop_after <= args.steps:
                raise ValueError(f"stop_after must be from 1 to --steps; got {args.stop_after}")
        except ValueError as err:
            return _error(command, err)
        from .lm import held_out_bits, load_lm, state_path, train_lm

        out = Path(args.out) if args.out else _lm_path(args.model)
        if args.resume:
            if not state_path(out).exists():
                print(f"python -m core lm-train: error: nothing to resume at {out}", file=sys.stderr)
                return 2
            saved = load_lm(out)[0].config  # its own settings; only --steps may change
            saved.steps = config.steps
            config = saved
        if args.device != "cpu":
            import torch

            if not (args.device.startswith("cuda") and torch.cuda.is_available()):
                print(f"python -m core lm-train: error: --device {args.device} is not available", file=sys.stderr)
                return 2

        def progress(state):
            print(
                json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in state.items()}),
                file=sys.stderr,
                flush=True,
            )

        def measured(model, _step) -> dict:  # held-out loss and how far copying has come, with each checkpoint
            model.cpu().eval()
            gain = retrieval.retrieval_gain(model, (128,), passages=8, seed=1).iloc[0]
            held = held_out_bits(model)
            model.to(args.device)
            return {"held_out_bits": round(held, 4), "gain_bits_at_128": round(float(gain["gain_bits"]), 4)}

        progress_steps = []

        def stop() -> bool:  # --stop-after, short of the last step: checked after every step
            progress_steps.append(1)
            early = args.stop_after is not None and args.stop_after < config.steps
            return early and first_step + len(progress_steps) >= args.stop_after

        first_step = 0
        if args.resume:
            first_step = int(json.loads(out.with_suffix(".json").read_text())["steps"])
        result = train_lm(
            config,
            on_step=progress,
            should_stop=stop,
            save_to=out,
            save_every=args.save_every,
            on_save=measured,
            resume=args.resume,
            device=args.device,
        )
        json.dump(result.to_json() | {"saved": str(out)}, sys.stdout)
        sys.stdout.write("\n")
        return 0
    if command == "retrieval":
        distances = retrieval.DISTANCES if args.distance is None else (args.distance,)
        try:
            retrieval.check_arguments(distances, args.length, args.passages)
        except ValueError as err:
            print(f"python -m core retrieval: error: {err}", file=sys.stderr)
            return 2
    if command == "context" and not 10 <= args.targets <= 100_000:
        message = f"--targets must be from 10 to 100000; got {args.targets}"
        print(f"python -m core context: error: {message}", file=sys.stderr)
        return 2
    if command == "sample" and not 1 <= args.length <= 10_000:
        print(f"python -m core sample: error: --length must be from 1 to 10000; got {args.length}", file=sys.stderr)
        return 2
    if command == "sample" and not (math.isfinite(args.temperature) and 0.05 <= args.temperature <= 5):
        print(
            f"python -m core sample: error: --temperature must be from 0.05 to 5; got {args.temperature}",
            file=sys.stderr,
        )
        return 2
    from .lm import load_lm

    path = _lm_path(args.model)
    if not path.exists():
        print(
            f"python -m core {command}: error: no checkpoint at {path}: "
            f"train it with python -m core lm-train --model {args.model}",
            file=sys.stderr,
        )
        return 2
    model, _ = load_lm(path)
    from . import context

    if command == "context":
        context.context_curve(model, args.targets).to_csv(sys.stdout, index=False, lineterminator="\n")
        return 0
    if command == "retrieval":
        frame = retrieval.retrieval_gain(model, distances, args.length, args.passages, args.seed)
        _print_table(frame if args.detail else frame[list(retrieval.COLUMNS)], args.format)
        return 0
    sys.stdout.write(context.sample(model, args.prompt, args.length, args.temperature, args.seed) + "\n")
    return 0


def _depth(args) -> int:
    one_thread_each()
    fields = ("layers", "width", "activation", "init", "scale", "residual", "norm", "seed")
    try:
        frame = gradient_by_layer(DepthConfig(**{name: getattr(args, name) for name in fields}))
    except ValueError as err:
        print(f"python -m core depth: error: --{err}", file=sys.stderr)
        return 2
    _print_table(frame, args.format)
    return 0


def _error(command: str, err: ValueError) -> int:
    message = re.sub(
        r"\b([a-z]+(?:_[a-z]+)+|seq_len|steps|seed|lr|clip)\b",
        lambda m: "--" + m.group(1).replace("_", "-"),
        str(err),
        count=1,
    )
    print(f"python -m core {command}: error: {message}", file=sys.stderr)
    return 2


def _train(args) -> int:
    fields = (
        "model",
        "task",
        "seq_len",
        "steps",
        "seed",
        "batch_size",
        "lr",
        "forget_bias",
        "update_bias",
        "clip",
        "time_limit",
        "solved_at",
    )
    try:
        config = TrainConfig(**{f: getattr(args, f) for f in fields})
    except ValueError as err:
        return _error("train", err)
    result = train(config)
    if result.capped:
        print(
            f"python -m core train: stopped at the --time-limit of {config.time_limit:g} s after {result.steps} steps",
            file=sys.stderr,
        )
    out = result.to_json()
    if args.save:
        weights, meta = save(result, args.save)
        out["saved"] = {"weights": str(weights), "config": str(meta)}
    json.dump(out, sys.stdout, allow_nan=False)
    sys.stdout.write("\n")
    return 0


def _timings(args) -> int:
    from pathlib import Path

    from .complexity import TIMING_NS, machine_description, time_per_layer

    if not 1 <= args.runs <= 50:
        print("python -m core timings: error: --runs must be a whole number from 1 to 50", file=sys.stderr)
        return 2
    one_thread_each()  # as the app runs its layers
    table = time_per_layer(TIMING_NS, repeats=args.runs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False, lineterminator="\n")
    meta = machine_description() | {"runs": args.runs, "command": "python -m core timings"}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(out)
    return 0


def _stability(args) -> int:
    """One run's record as JSON, or (--sweep) the grid, each record a line in --out/MODEL.jsonl."""
    one_thread_each()
    from . import stability

    try:
        if args.device != "cpu":
            import torch

            index = args.device.partition(":")[2]
            count = torch.cuda.device_count() if torch.cuda.is_available() else 0
            usable = args.device == "cuda" or (index.isdigit() and int(index) < count)
            if not (args.device.startswith("cuda") and count and usable):
                raise ValueError(f"--device {args.device} is not available")
        if args.sweep:
            for model, lr, warmup, seed in itertools.product(args.models, args.lrs, args.warmups, args.seeds):
                StabilityConfig(model, lr, warmup, seed, args.steps, args.layers)
        elif args.model is None:
            raise ValueError("--model is required (or --sweep)")
        else:
            config = StabilityConfig(args.model, args.lr, args.warmup, args.seed, args.steps, args.layers)
    except ValueError as err:
        message = re.sub(r"^(lr|warmup|seed|steps|layers|model) ", r"--\1 ", str(err))
        print(f"python -m core stability: error: {message}", file=sys.stderr)
        return 2
    if not args.sweep:
        json.dump(stability.run(config, device=args.device), sys.stdout, allow_nan=False)
        sys.stdout.write("\n")
        return 0
    made = stability.run_sweep(
        args.models,
        args.lrs,
        args.warmups,
        args.seeds,
        args.steps,
        args.layers,
        args.out,
        on_run=lambda r: print(
            json.dumps({k: r[k] for k in ("model", "lr", "warmup", "seed", "outcome", "final_bits", "seconds")}),
            file=sys.stderr,
        ),
        device=args.device,
    )
    print(json.dumps({"runs_made": made, "out": args.out}))
    return 0


def _sweep(args) -> int:
    try:
        for seq_len in args.lengths:
            TrainConfig(seq_len=seq_len, steps=args.steps, time_limit=args.time_limit)
    except ValueError as err:
        return _error("sweep", err)
    out = Path(args.out)
    existing = pd.read_csv(out) if out.exists() else None
    skip = set()
    if args.resume and existing is not None:
        recall = existing[existing["task"] == "recall"]
        skip = {(m, int(n), int(s)) for m, n, s in recall[["model", "seq_len", "seed"]].itertuples(index=False)}
    done: list[dict] = []

    def on_run(row: dict) -> None:  # written as each run ends: an interrupted sweep resumes with --resume
        print(json.dumps(row), file=sys.stderr)
        done.append(row)
        write_csv(merged(existing, done), out)

    run_sweep(
        args.models, args.lengths, args.seeds, steps=args.steps, time_limit=args.time_limit, on_run=on_run, skip=skip
    )
    print(write_csv(merged(existing, done), out))
    return 0
