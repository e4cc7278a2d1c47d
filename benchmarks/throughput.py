"""Training throughput and the longest chain of dependent operations, LSTM against Transformer (core/parallel.py):

    python -m benchmarks.throughput                      # this CPU, 1 and 2 threads; writes data/throughput.csv
    python -m benchmarks.throughput --device cuda        # a GPU, where there is one (rows added for that device)
    python -m benchmarks.throughput --out /tmp/t.csv --windows 64 128 --repeats 1

Both models in one run, window by window, so that their ratio is measured under the same load.  The CSV's rows
for other devices are kept, so a GPU run adds to the CPU's; a JSON beside it says what each device was.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd
import torch

from core.complexity import machine_description
from core.parallel import COLUMNS, PARALLEL_MODELS, WINDOWS, chain, model_for, throughput

OUT = Path("data/throughput.csv")


def measure(windows=WINDOWS, threads=(1, 2), device="cpu", repeats=3, on_row=None) -> pd.DataFrame:
    rows = []
    params = {name: sum(p.numel() for p in model_for(name, 64).parameters()) for name in PARALLEL_MODELS}
    label = "cpu" if device == "cpu" else torch.cuda.get_device_name(torch.device(device))
    for window in windows:
        chains = {name: chain(name, window) for name in PARALLEL_MODELS}
        for count in threads if device == "cpu" else (torch.get_num_threads(),):
            for name in PARALLEL_MODELS:
                speed = throughput(name, window, count, device, repeats)
                row = dict(
                    zip(COLUMNS, (label, name, params[name], window, count, round(speed, 1), chains[name]), strict=True)
                )
                rows.append(row)
                if on_row:
                    on_row(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--windows", nargs="+", type=int, default=list(WINDOWS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    if args.device != "cpu" and not torch.cuda.is_available():
        print(f"python -m benchmarks.throughput: error: --device {args.device} is not available")
        return 2
    frame = measure(args.windows, device=args.device, repeats=args.repeats, on_row=print)
    out = Path(args.out)
    if out.exists():
        old = pd.read_csv(out)
        frame = pd.concat([old[old["device"] != frame["device"].iloc[0]], frame], ignore_index=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, lineterminator="\n")
    meta_path = out.with_suffix(".json")
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    meta[str(frame["device"].iloc[-1])] = machine_description() | {"command": "python -m benchmarks.throughput"}
    meta_path.write_text(json.dumps(meta, indent=1) + "\n")
    print(frame.to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
