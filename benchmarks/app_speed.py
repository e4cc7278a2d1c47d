"""The app in headless Chromium: cold start, page responsiveness against a trivial-page floor,
and server memory (one visitor, then ten at once), all in one run.

    python -m benchmarks.app_speed [--nudges 4]

- Cold start: from launching `streamlit run` to the home page drawn and settled; COLD_STARTS launches,
  the median against the target (a single launch moved 5 → 11 s with the machine's load).
- Responsiveness: every slider in each page's main area is nudged with the arrow keys
  (right, left, ...; at least MIN_SAMPLES moves a page, so a page with two sliders gets eight
  nudges on each); each sample is the time from the key press to the settled page.  The floor
  is benchmarks/floor_app.py, SCIENCE.md's "trivial page": one slider and a 1000-point Altair line,
  on its own server, nudged the same way in the same run, in batches between the pages (FLOOR_SAMPLES
  moves in all); benchmarks/floor_text_app.py (one slider, one line of text) is measured and reported
  beside it, the same way.  Home has no slider, so it has no row.  For the pages in REPLICAS,
  benchmarks/replica_app.py (the same charts, controls, numbers, download rows and captions, as ordinary
  Streamlit draws them) is measured the same way: what Streamlit itself costs a move that redraws that much.
- Memory: the server's resident memory after one visitor has opened every page but the real
  model's, then after that page too (the model loaded), then the peak
  while ten visitors open every page and the heaviest link of each (HEAVY_LINKS) and move their
  sliders at the same time.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import statistics
import time
from dataclasses import dataclass, field

from .browser import ROOT, Server, Session, launch, percentile

APP = ROOT / "streamlit_app.py"
FLOOR_APP = ROOT / "benchmarks" / "floor_app.py"
FLOOR_TEXT_APP = ROOT / "benchmarks" / "floor_text_app.py"
REPLICA_APP = ROOT / "benchmarks" / "replica_app.py"
PAGES = {  # URL path: name in the table
    "vanishing_exploding": "Vanishing & exploding",
    "depth": "Depth",
    "remedies": "Remedies",
    "training": "Train them (controls)",
    "attention": "Attention",
    "head_to_head": "Head to head",
    "real_text": "On real text",
    "retrieval": "Retrieval",
    "stability": "Stability and speed",
    "comeback": "RNNs came back",
    "real_transformer": "A real Transformer",  # last: the memory figures are taken before and after it
}
REAL = "real_transformer"  # the page that loads all-MiniLM-L6-v2 (about 100 MB, once per server)
# the heaviest setting of every page, as a shared link could open it (#20): in the memory run and the soak
HEAVY_LINKS = (
    "vanishing_exploding?seq_len=2000&hidden_size=128&rnn_detail=map",
    "remedies?seq_len=2000&hidden_size=128&remedy=all",
    "attention?att_mode=random&att_seq_len=1800&att_d=128&att_heads=8&att_layers=4",
    "head_to_head?seq_len=2000&hidden_size=128&h2h_n=2048",
    "depth?depth_layers=100&depth_width=256&unroll_seq_len=500&stack_layers=8&stack_seq_len=500&tdepth_layers=24",
    "real_transformer?real_text=ruth&real_layer=6",
    "retrieval?copy_gap=1000&copy_text=" + "In%20the%20beginning%20" * 22,  # 506 characters, the gap capped
    "stability?stab_warmup=100&stab_lr=0.03&stab_model=lstm",
    "comeback?cb_seq_len=2000&cb_r_min=0.0&cb_r_max=0.9999&cb_bias=-8.0",
)
REPLICAS = ("comeback", "retrieval")  # pages whose move redraws several charts: replica_app.SHAPES
COLD_STARTS = 3  # server launches timed; the last one serves the rest of the run
TARGETS = {
    "ratio": 1.5,
    "p95_ms": 600.0,
    "cold_start_s": 8.0,
    "memory_mb": 600.0,  # every page but the real model's
    "memory_real_mb": 600.0,  # and then the real model's, its model loaded: every page (#37; 900 MB in #21)
    "memory5_mb": 900.0,
}


@dataclass
class AppReport:
    cold_health_s: list[float] = field(default_factory=list)  # each launch: seconds to the health check
    cold_starts_s: list[float | None] = field(default_factory=list)  # each launch: to the home page drawn
    floor_ms: list[float] = field(default_factory=list)
    floor_text_ms: list[float] = field(default_factory=list)
    replica_ms: dict[str, list[float]] = field(default_factory=dict)  # page name: its replica's moves
    pages_ms: dict[str, list[float]] = field(default_factory=dict)
    first_ms: dict[str, list[float]] = field(default_factory=dict)  # each slider's first move: a new setting
    memory_mb: float = 0.0
    memory_real_mb: float = 0.0
    memory5_mb: float = 0.0  # peak resident memory of the server's life, `visitors` at once included
    visitors: int = 10
    errors: list[str] = field(default_factory=list)

    @property
    def cold_start_s(self) -> float | None:
        """The median launch; None if a launch never drew the home page."""
        drawn = self.cold_starts_s
        return statistics.median(drawn) if drawn and None not in drawn else None


MIN_SAMPLES = 16  # a page with few sliders gets more nudges each, so that its median is not that of 8 moves


async def nudge_all(
    session: Session, nudges: int, firsts: list[float] | None = None, min_samples: int = 0
) -> list[float]:
    """Nudge every slider `nudges` times, or more to reach `min_samples` in all (right, left,
    right ...); the settled times in ms.

    Only each slider's first move reaches a setting the server has not seen (the later ones go
    back and forth between two seen settings, as a lecturer's would, and are served partly from
    caches); those first moves are also appended to `firsts`."""
    times = []
    count = await session.slider_count()
    nudges = max(nudges, -(-min_samples // max(count, 1)))
    for index in range(count):
        for n in range(nudges):
            ms = await session.nudge(index, "ArrowRight" if n % 2 == 0 else "ArrowLeft")
            if ms is not None:
                times.append(ms)
                if n == 0 and firsts is not None:
                    firsts.append(ms)
    return times


async def visitor(browser, base: str, nudges: int) -> list[str]:
    """One of the concurrent visitors: every page and every heavy link, each slider nudged."""
    session = await Session.open(browser, base)
    for path in ("", *PAGES, *HEAVY_LINKS):
        await session.visit("/" + path)
        await nudge_all(session, nudges)
    await session.page.context.close()
    return session.errors


FLOOR_SAMPLES = 40  # nudges of each floor page in a run, spread evenly between the pages' measurements


class FloorPage:
    """A floor page on its own server, nudged in batches between the pages' measurements, so that
    the floor and the pages are timed under the same conditions of the machine (one batch at the
    end instead drew the floor from a single moment of a run)."""

    def __init__(self, app, path: str = "/"):
        self.app, self.path, self.times, self.errors, self.moves = app, path, [], [], 0
        self.server: Server | None = None
        self.session: Session | None = None

    async def open(self, browser) -> FloorPage:
        self.server = Server(self.app).start()
        self.session = await Session.open(browser, self.server.base)
        await self.session.visit(self.path)
        return self

    async def nudge(self, count: int) -> None:
        """`count` more moves of its one slider (right, left, ... across batches)."""
        for _ in range(count):
            ms = await self.session.nudge(0, "ArrowRight" if self.moves % 2 == 0 else "ArrowLeft")
            self.moves += 1
            if ms is not None:
                self.times.append(ms)

    async def close(self) -> None:
        """Stop its server (whatever of it was opened)."""
        try:
            if self.session is not None:
                self.errors += self.session.errors
                await self.session.page.context.close()
        finally:
            if self.server is not None:
                self.server.stop()


async def floor_times(browser, app, count: int, errors: list[str]) -> list[float]:
    """`count` nudges of a one-slider page's slider, on its own server, in one batch."""
    floor = FloorPage(app)
    try:
        await floor.open(browser)
        await floor.nudge(count)
    finally:
        await floor.close()
        errors += floor.errors
    return floor.times


async def cold_start(browser, report: AppReport) -> tuple[Server, Session]:
    """Launch the app's server and draw its home page; the launch's times go into `report`.  The browser is
    up first, so only the server and the first page are timed."""
    server = Server(APP).start()
    try:
        first = await Session.open(browser, server.base)
        asked = time.perf_counter()
        drawn = await first.visit("/")  # seconds from the request to the page's last change
    except BaseException:
        server.stop()
        raise
    report.cold_health_s.append(server.healthy_s)
    report.cold_starts_s.append(None if drawn is None else asked - server.started + drawn)
    return server, first


async def measure(nudges: int = 4, concurrent: int = 10, pages: dict = PAGES, timing: bool = True) -> AppReport:
    from playwright.async_api import async_playwright

    report = AppReport()
    async with async_playwright() as p:
        browser = await launch(p)
        for _ in range(COLD_STARTS - 1):
            server, first = await cold_start(browser, report)
            report.errors += first.errors
            await first.page.context.close()
            server.stop()
        server, first = await cold_start(browser, report)  # the last launch serves the rest of the run
        try:
            # one visitor opens every page
            for path in PAGES:
                if path == REAL:
                    report.memory_mb = server.rss_mb()[0]
                await first.visit("/" + path)
            report.memory_real_mb = server.rss_mb()[0]
            report.memory_mb = report.memory_mb or report.memory_real_mb
            # responsiveness, page by page, each page followed by a batch of each floor's moves
            replicas = {PAGES[path]: FloorPage(REPLICA_APP, f"/?page={path}") for path in REPLICAS if path in pages}
            floors = [FloorPage(FLOOR_APP), FloorPage(FLOOR_TEXT_APP), *replicas.values()] if timing else []
            try:
                for floor in floors:
                    await floor.open(browser)
                batch = -(-FLOOR_SAMPLES // max(len(pages), 1))
                for path, name in pages.items() if timing else ():
                    await first.visit("/" + path)
                    report.first_ms[name] = []
                    report.pages_ms[name] = await nudge_all(first, nudges, report.first_ms[name], MIN_SAMPLES)
                    for floor in floors:
                        await floor.nudge(batch)
            finally:
                for floor in floors:
                    await floor.close()
                    report.errors += floor.errors
            if floors:
                report.floor_ms, report.floor_text_ms = floors[0].times, floors[1].times
                report.replica_ms = {name: replica.times for name, replica in replicas.items()}
            report.errors += first.errors
            # the visitors at once
            report.visitors = concurrent
            results = await asyncio.gather(*(visitor(browser, server.base, 2) for _ in range(concurrent)))
            report.errors += [e for errors in results for e in errors]
            report.memory5_mb = server.rss_mb()[1]
        finally:
            server.stop()
        await browser.close()
    return report


def _seconds(value: float | None) -> str:
    return "failed" if value is None else f"{value:.1f} s"


def table(report: AppReport) -> tuple[str, list[str]]:
    """The README table and the list of missed targets."""
    floor = statistics.median(report.floor_ms)
    text_floor = statistics.median(report.floor_text_ms) if report.floor_text_ms else math.nan
    lines = [
        "| page | nudges | median (ms) | p95 (ms) | median / floor | median / text page | first moves: median (ms) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| floor: one slider and a 1000-point Altair line | {len(report.floor_ms)} | {floor:.0f} | "
        f"{percentile(report.floor_ms, 95):.0f} | 1.00 | {floor / text_floor:.2f} | |",
    ]
    if report.floor_text_ms:
        text = report.floor_text_ms
        lines.append(
            f"| (reference: one slider and a line of text) | {len(text)} | {statistics.median(text):.0f} | "
            f"{percentile(text, 95):.0f} | {text_floor / floor:.2f} | 1.00 | |"
        )
    missed = []
    for name, times in report.pages_ms.items():
        median, p95 = statistics.median(times), percentile(times, 95)
        ratio = median / floor
        firsts = report.first_ms.get(name) or [math.nan]
        lines.append(
            f"| {name} | {len(times)} | {median:.0f} | {p95:.0f} | {ratio:.2f} | {median / text_floor:.2f} | "
            f"{statistics.median(firsts):.0f} |"
        )
        replica = report.replica_ms.get(name)
        same = ""
        if replica:
            plain = statistics.median(replica)
            lines.append(
                f"| (reference: {name}'s move in ordinary Streamlit, `replica_app.py`) | {len(replica)} | "
                f"{plain:.0f} | {percentile(replica, 95):.0f} | {plain / floor:.2f} | {plain / text_floor:.2f} | |"
            )
            same = f"; the same move in ordinary Streamlit {plain / floor:.2f}×"
        if ratio > TARGETS["ratio"]:
            missed.append(f"{name}: median {ratio:.2f}× the floor (target ≤ {TARGETS['ratio']}{same})")
        if p95 > TARGETS["p95_ms"]:
            missed.append(f"{name}: p95 {p95:.0f} ms (target ≤ {TARGETS['p95_ms']:.0f})")
    cold = report.cold_start_s
    lines += [
        "",
        "| measure | value | target |",
        "|---|---:|---:|",
        f"| cold start: server launch to the home page drawn, median of {len(report.cold_starts_s)} | {cold:.1f} s | "
        f"≤ {TARGETS['cold_start_s']:.0f} s |"
        if cold is not None
        else "| cold start | failed | |",
        "| (each launch: to the health check, to the home page drawn) | "
        + ", ".join(f"{h:.1f}, {_seconds(d)}" for h, d in zip(report.cold_health_s, report.cold_starts_s, strict=True))
        + " | |",
        f"| server memory after one visitor opened every page but the real model's | {report.memory_mb:.0f} MB | "
        f"≤ {TARGETS['memory_mb']:.0f} MB |",
        f"| ... and the real model's page (all-MiniLM-L6-v2 loaded): every page | {report.memory_real_mb:.0f} MB | "
        f"≤ {TARGETS['memory_real_mb']:.0f} MB |",
        f"| server memory, peak, {report.visitors} visitors at once (every page and heavy link) | "
        f"{report.memory5_mb:.0f} MB | "
        f"≤ {TARGETS['memory5_mb']:.0f} MB |",
    ]
    if cold is None or cold > TARGETS["cold_start_s"]:
        missed.append(f"cold start {cold} s (target ≤ {TARGETS['cold_start_s']:.0f} s)")
    if report.memory_mb > TARGETS["memory_mb"]:
        missed.append(f"memory {report.memory_mb:.0f} MB (target ≤ {TARGETS['memory_mb']:.0f})")
    if report.memory_real_mb > TARGETS["memory_real_mb"]:
        target = TARGETS["memory_real_mb"]
        missed.append(f"memory with the real model {report.memory_real_mb:.0f} MB (target ≤ {target:.0f})")
    if report.memory5_mb > TARGETS["memory5_mb"]:
        target = TARGETS["memory5_mb"]
        missed.append(f"memory with {report.visitors} visitors {report.memory5_mb:.0f} MB (target ≤ {target:.0f})")
    return "\n".join(lines), missed


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nudges", type=int, default=4, help="arrow-key presses per slider (default 4)")
    ap.add_argument("--pages", nargs="*", choices=list(PAGES), default=list(PAGES), help="pages to time")
    ap.add_argument("--visitors", type=int, default=10, help="concurrent visitors for the memory figure")
    ap.add_argument("--memory", action="store_true", help="the memory figures only (no slider timings)")
    args = ap.parse_args(argv)
    pages = {path: PAGES[path] for path in args.pages}
    report = asyncio.run(measure(args.nudges, args.visitors, pages, timing=not args.memory))
    if args.memory:
        print(
            f"cold start {report.cold_start_s:.1f} s; one visitor, every page but the real model's: "
            f"{report.memory_mb:.0f} MB; every page: {report.memory_real_mb:.0f} MB (target ≤ "
            f"{TARGETS['memory_real_mb']:.0f}); {report.visitors} visitors at once, peak: {report.memory5_mb:.0f} MB "
            f"(target ≤ {TARGETS['memory5_mb']:.0f})"
        )
        print(*[f"ERROR: {line}" for line in report.errors], sep="\n")
        return 1 if report.errors else 0
    if not report.floor_ms or not all(report.pages_ms.values()):  # nothing to compare: say why
        print("benchmarks.app_speed: a page (or the floor) gave no slider timings")
        for line in report.errors:
            print(f"ERROR: {line}")
        return 1
    text, missed = table(report)
    print(text)
    for line in missed:
        print(f"MISSED: {line}")
    for line in report.errors:
        print(f"ERROR: {line}")
    return 1 if report.errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
