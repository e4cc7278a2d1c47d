"""The server's reply to a move, without a browser: how long from a slider's new state to the run's last message.

    python -m benchmarks.reply [--moves 40]

One Python client (benchmarks/classroom.py's `Student`, Streamlit's own websocket protocol) opens each
page and moves its first slider one step and back, `moves` times; after the first two moves every
setting is in the shared caches, so this is the cached move path: the fragment's run, the messages
it sends, and their way over loopback.  The floor, benchmarks/floor_app.py on its own server, is a
trivial page drawn the ordinary way: its server keeps Streamlit's sockets as they come.  A
reply "held" came 30 ms or more after the page's median: the size of a delayed acknowledgement (TCP's
Nagle algorithm left on holds a reply's last small messages behind a large one until the client
acknowledges it, up to 40 ms; dashboard/sockets.py).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
from dataclasses import dataclass

from .app_speed import APP, FLOOR_APP, PAGES
from .browser import Server, percentile
from .classroom import Student

MOVES = 40  # moves a page: one step and back, 20 times
FLOOR_NAME = "floor, drawn the ordinary way (Nagle's algorithm on)"
HELD_MS = 30.0  # a reply this much slower than the page's median was held (a delayed ACK is up to 40 ms)


@dataclass
class Replies:
    name: str
    ms: list[float]  # every cached move's reply
    errors: list[str]

    @property
    def median(self) -> float:
        return statistics.median(self.ms)

    @property
    def p95(self) -> float:
        return percentile(self.ms, 95)

    @property
    def held(self) -> int:
        return sum(ms >= self.median + HELD_MS for ms in self.ms)


async def _page(base: str, page: str, name: str, moves: int) -> Replies:
    student = Student(base, 0)
    await student.connect()
    try:
        opened = await student.open(page, "")
        slider = opened.slider
        if slider is None:
            return Replies(name, [], [f"{name}: no slider in the main area", *opened.errors])
        other = slider.value + slider.step if slider.value + slider.step <= slider.high else slider.value - slider.step
        ms, errors = [], list(opened.errors)
        for k in range(moves + 2):
            run = await student.nudge(slider, other if k % 2 == 0 else slider.value)
            errors += run.errors
            if k >= 2:  # both settings cached
                ms.append(run.seconds * 1000)
        return Replies(name, ms, errors)
    finally:
        await student.close()


async def measure(moves: int = MOVES) -> list[Replies]:
    """The floor's replies, then every page's, each server fresh."""
    results = []
    for script, pages in ((FLOOR_APP, {"": FLOOR_NAME}), (APP, PAGES)):
        server = Server(script).start()
        try:
            for page, name in pages.items():
                results.append(await _page(server.base, page, name, moves))
        finally:
            server.stop()
    return results


def table(results: list[Replies]) -> str:
    lines = ["| page | moves | median (ms) | p95 (ms) | held ≥ 30 ms |", "|---|---:|---:|---:|---:|"]
    for r in results:
        if r.ms:
            lines.append(f"| {r.name} | {len(r.ms)} | {r.median:.1f} | {r.p95:.1f} | {r.held} |")
    return "\n".join(lines + [f"ERROR: {e}" for r in results for e in r.errors])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--moves", type=int, default=MOVES, help="cached moves a page (default %(default)s)")
    args = ap.parse_args(argv)
    results = asyncio.run(measure(args.moves))
    print(table(results))
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
