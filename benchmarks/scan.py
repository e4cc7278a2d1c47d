"""The parallel scan against the loop (core/scan.py), for one LRU and one minGRU layer:

    python -m benchmarks.scan                       # writes data/scan.csv and data/scan.json (this machine)
    python -m benchmarks.scan --lengths 100 1000 --repeats 1 --out /tmp/scan.csv

For each length T, each layer is timed computing the same outputs both ways (one forward and backward pass, as
in training, float32, a batch of 8 sequences, H = 64), in the same run and on the same thread, so that the ratio
loop ÷ scan is measured under the same load.  The fastest of `repeats` timings is kept (interference only adds
time).  `rounds` is what must run one after another: T steps for the loop, ⌈log₂ T⌉ rounds for the scan.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import torch

from core.comeback import speedups
from core.complexity import machine_description
from core.models.lru import LRU, LRUConfig
from core.models.mingru import MinGRU, MinGRUConfig
from core.scan import parallel_scan, scan_rounds, sequential_scan

OUT = Path("data/scan.csv")
LENGTHS = (100, 300, 1000, 3000, 10_000)
COLUMNS = ("model", "seq_len", "method", "rounds", "seconds")
BATCH, HIDDEN = 8, 64


def _layer(model: str):
    if model == "lru":
        return LRU(LRUConfig(HIDDEN), dtype=torch.float32).mix
    return MinGRU(MinGRUConfig(HIDDEN), dtype=torch.float32).forward


def time_pass(layer, x: torch.Tensor, scan) -> float:
    """Seconds for one forward and backward pass of `layer` with `scan`."""
    start = time.perf_counter()
    layer(x, scan=scan).square().mean().backward()
    return time.perf_counter() - start


def measure(lengths=LENGTHS, repeats: int = 3, on_row=None) -> pd.DataFrame:
    torch.set_num_threads(1)
    rows = []
    for model in ("lru", "mingru"):
        layer = _layer(model)
        for T in lengths:
            x = torch.randn(BATCH, T, HIDDEN, generator=torch.Generator().manual_seed(T))
            best = {}
            for name, scan in (("scan", parallel_scan), ("loop", sequential_scan)):
                time_pass(layer, x, scan)  # warm-up
                best[name] = min(time_pass(layer, x, scan) for _ in range(repeats))
            for name in ("scan", "loop"):
                row = dict(
                    zip(COLUMNS, (model, T, name, scan_rounds(T) if name == "scan" else T, best[name]), strict=True)
                )
                rows.append(row)
                if on_row:
                    on_row(row)
    return pd.DataFrame(rows, columns=list(COLUMNS))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lengths", nargs="+", type=int, default=list(LENGTHS))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", default=str(OUT))
    args = ap.parse_args(argv)
    frame = measure(args.lengths, args.repeats, on_row=print)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False, lineterminator="\n", float_format="%.6g")
    meta = machine_description() | {"command": "python -m benchmarks.scan", "batch": BATCH, "hidden": HIDDEN}
    out.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n")
    print(speedups(frame).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
