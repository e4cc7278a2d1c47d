"""What one Streamlit element costs a slider move, by kind (not part of `python -m benchmarks`).

    python -m benchmarks.elements [--count 30] [--nudges 8]

For each kind, a page with one slider and `count` elements of that kind (benchmarks/element_app.py)
is served and nudged like the pages in benchmarks/app_speed.py; the cost of one element is the
median's excess over the slider-only page, divided by `count`.  Every element of a rerun is sent,
re-rendered by React and styled again, changed or not: this is why a page's move costs grow with
its element count (see README, Speed).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics

from .app_speed import floor_times
from .browser import ROOT, launch

APP = ROOT / "benchmarks" / "element_app.py"
KINDS = ("markdown", "static markdown", "caption", "subheader", "metric", "download button", "columns (3)")


async def measure(count: int, nudges: int) -> dict[str, float]:
    from playwright.async_api import async_playwright

    medians, errors = {}, []
    async with async_playwright() as p:
        browser = await launch(p)
        for kind in ("none", *KINDS):
            os.environ["GL_ELEMENT_KIND"], os.environ["GL_ELEMENT_COUNT"] = kind, str(count)
            medians[kind] = statistics.median(await floor_times(browser, APP, nudges, errors))
        await browser.close()
    if errors:
        raise SystemExit("\n".join(f"ERROR: {e}" for e in errors))
    return medians


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=30, help="elements of each kind on the page (default 30)")
    ap.add_argument("--nudges", type=int, default=8, help="slider moves per page (default 8)")
    args = ap.parse_args(argv)
    medians = asyncio.run(measure(args.count, args.nudges))
    base = medians.pop("none")
    print(f"| element ({args.count} on the page) | median move (ms) | per element (ms) |")
    print("|---|---:|---:|")
    print(f"| none (the slider alone) | {base:.0f} | |")
    for kind, ms in medians.items():
        print(f"| {kind} | {ms:.0f} | {(ms - base) / args.count:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
