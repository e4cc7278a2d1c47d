"""Python's full garbage-collector pass in a server process, before and after `core.threads.frozen_imports`.

    python -m benchmarks.collector

A fresh interpreter imports what the router imports, plus every page's view module, then times a full
pass (`gc.collect()`, the pass Python runs on its own each time the heap has grown by a quarter, during
which no visitor's script runs), then calls `frozen_imports()` and times a full pass again.  The median of
REPEATS passes each.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5

_CODE = f"""
import gc, importlib, json, pathlib, statistics, time
import streamlit
import core.threads, dashboard.bytecache, dashboard.frame, dashboard.i18n, dashboard.talk, dashboard.url
for view in sorted(pathlib.Path("dashboard").glob("*_view.py")):
    importlib.import_module("dashboard." + view.stem)

def full_pass_ms():
    times = []
    for _ in range({REPEATS}):
        started = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)

objects = len(gc.get_objects())
before = full_pass_ms()
frozen = core.threads.frozen_imports()
after = full_pass_ms()
print(json.dumps({{"objects": objects, "before_ms": before, "frozen": frozen, "after_ms": after}}))
"""


def measure() -> dict:
    out = subprocess.run([sys.executable, "-c", _CODE], cwd=ROOT, capture_output=True, text=True, timeout=600)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(result: dict) -> str:
    return "\n".join(
        [
            "| the router's and the pages' imports | objects the collector tracks | a full pass (ms) |",
            "|---|---:|---:|",
            f"| as imported | {result['objects']:,} | {result['before_ms']:.1f} |",
            f"| after `frozen_imports()` | {result['frozen']:,} frozen | {result['after_ms']:.2f} |",
        ]
    )


def main(argv=None) -> int:
    print(table(measure()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
