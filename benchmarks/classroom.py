"""A class on one shared link (#37): thirty students follow the talk against one server, from a cold start.

    python -m benchmarks.classroom [--students 30] [--interval 20 30] [--scenes N] [--no-browser]

Each student is a Python client speaking Streamlit's own websocket protocol, as the browser does: a `BackMsg`
with `rerun_script` (the scene's query string and page name; for a nudge, the slider's new widget state and the
fragment it belongs to), then `ForwardMsg`s read until `script_finished`, counting exception elements and error
boxes.  The server only runs the script; each student's browser would render on the student's own machine, so
thirty real browsers on two cores would measure the browsers (thirty Chromium contexts took 29 s an arrival, most
of it rendering).  One real Chromium student follows the same scenes beside them, to confirm what a student sees.

The schedule: a cold server; within the first minute every student opens the talk's first scene (arrivals spread
evenly, in a shuffled order); then the lecturer moves to the next scene every 20–30 s (drawn once, the same for the
class), and each student follows within two seconds.  After each change about half of the students nudge the
scene's main slider (the first slider of the page's main area) one step, a few seconds after they arrive.

Reported: errors, the time from a scene change to the finished run (arrival; per scene and overall, p50 and p95),
the nudge's time, the browser student's arrival, the server's resident memory over the talk and its peak, against
the targets.  Loopback only; bounded in students and in time.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

import websockets
from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.Slider_pb2 import Slider

from .browser import Server, Session, launch, percentile

STUDENTS = 30
FIRST_MINUTE = 60.0  # seconds: every student opens the first scene within it
INTERVAL = (20.0, 30.0)  # seconds between the lecturer's scene changes
REACTION = 2.0  # seconds: a student follows the lecturer's change within this
NUDGE_SHARE = 0.5  # students who nudge the scene's main slider after each change
RUN_TIMEOUT = 120.0  # seconds a run may take before it counts as an error
TARGETS = {  # (#37) each printed with its figure
    "errors": 0,
    "arrival_p95_s": 5.0,
    "nudge_p95_s": 2.0,
    "browser_arrival_p95_s": 8.0,
    "peak_mb": 900.0,
}


@dataclass
class MainSlider:
    """The first slider of a page's main area, as its last run drew it."""

    id: str
    value: float
    low: float
    high: float
    step: float
    integer: bool
    url_key: str
    fragment_id: str

    def nudged(self, rng: random.Random) -> float:
        up = self.value + self.step <= self.high
        down = self.value - self.step >= self.low
        return self.value + self.step if up and (not down or rng.random() < 0.5) else self.value - self.step


@dataclass
class RunResult:
    seconds: float
    errors: list[str]
    slider: MainSlider | None
    texts: list[str] = field(default_factory=list)  # the markdown drawn (captions included), in order


class Student:
    """One websocket session: reruns the script as a browser would and reads the answer."""

    def __init__(self, base: str, number: int):
        self.url = base.replace("http://", "ws://") + "/_stcore/stream"
        self.number = number
        self.ws = None
        self.query = ""
        self.page = ""

    async def connect(self) -> None:
        self.ws = await websockets.connect(self.url, subprotocols=["streamlit"], max_size=None, open_timeout=60)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def open(self, page: str, query: str) -> RunResult:
        """Arrive at a page with a query string (a scene link), as the browser's navigation does."""
        self.page, self.query = page, query
        return await self._rerun()

    async def nudge(self, slider: MainSlider, value: float) -> RunResult:
        """Move `slider` to `value`: its widget state, the URL it is bound to, and its fragment alone."""
        if slider.url_key:
            params = dict(parse_qsl(self.query, keep_blank_values=True))
            params[slider.url_key] = str(int(value)) if slider.integer else repr(value)
            self.query = urlencode(params)
        return await self._rerun(slider, value)

    async def _rerun(self, slider: MainSlider | None = None, value: float = 0.0) -> RunResult:
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string, state.page_name = self.query, self.page
        if slider is not None:
            widget = state.widget_states.widgets.add()
            widget.id = slider.id
            widget.double_array_value.data.append(value)
            state.fragment_id = slider.fragment_id
        started = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        errors, found, texts = [], None, []
        while True:
            raw = await asyncio.wait_for(self.ws.recv(), RUN_TIMEOUT)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                element = forward.delta.new_element
                what = element.WhichOneof("type")
                if what == "exception":
                    errors.append(f"exception: {element.exception.type}: {element.exception.message[:120]}")
                elif what == "alert":
                    texts.append(element.alert.body)
                    if element.alert.format == Alert.ERROR:
                        errors.append(f"error box: {element.alert.body[:120]}")
                elif what == "markdown":
                    texts.append(element.markdown.body)
                elif what == "slider" and found is None and forward.metadata.delta_path[:1] == [0]:
                    found = _main_slider(element.slider, forward.delta.fragment_id)
            elif kind == "page_info_changed":
                self.query = forward.page_info_changed.query_string
            elif kind == "script_finished":
                if forward.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue  # this student's own run replaced it (never sent here, but harmless)
                if forward.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    errors.append("compile error")
                return RunResult(time.perf_counter() - started, errors, found, texts)


def _main_slider(proto: Slider, fragment_id: str) -> MainSlider | None:
    if proto.disabled or proto.type == Slider.SELECT_SLIDER or len(proto.default) != 1:
        return None
    value = proto.value[0] if proto.value else proto.default[0]
    return MainSlider(
        proto.id, value, proto.min, proto.max, proto.step, proto.data_type == Slider.INT, proto.query_param_key,
        fragment_id,
    )  # fmt: skip


@dataclass
class ClassReport:
    students: int
    scenes: list[str]
    arrivals: dict[int, list[float]] = field(default_factory=dict)  # scene number → seconds
    nudges: list[float] = field(default_factory=list)
    unchanged: int = 0  # nudges whose run drew the same text as before (a chart's caption states its numbers)
    browser: list[float] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds since launch, MB)
    peak_mb: float = 0.0
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    cold_start_s: float = 0.0

    def all_arrivals(self) -> list[float]:
        return [s for values in self.arrivals.values() for s in values]

    def memory_course(self) -> tuple[float, float, float]:
        """(MB after the first minute's arrivals, the largest resident sample, MB at the end)."""
        after = [mb for t, mb in self.memory if t >= FIRST_MINUTE] or [0.0]
        return after[0], max(mb for _, mb in self.memory), self.memory[-1][1] if self.memory else 0.0


def schedule(scenes: int, interval: tuple[float, float], rng: random.Random) -> list[float]:
    """When the lecturer moves to each scene (seconds from the start): the first at the end of the first minute's
    arrivals, then one every `interval`."""
    times = [0.0]
    for _ in range(scenes - 1):
        times.append(times[-1] + (FIRST_MINUTE if len(times) == 1 else 0.0) + rng.uniform(*interval))
    return times


def scene_address(number: int, lang: str = "en") -> tuple[str, str]:
    """(page name in the URL, query string) of the talk's scene `number`, as its Next link gives them."""
    from dashboard import talk
    from dashboard.frame import PRESENTER_KEY

    page = talk.SCENES[number - 1][1].removeprefix("pages/").removesuffix(".py")
    params = {talk.SCENE_KEY: number, PRESENTER_KEY: 1} | ({"lang": lang} if lang != "en" else {})
    return ("" if page == "home" else page), urlencode(params)


async def _student(
    base: str, number: int, starts: list[float], first: float, clock: float, nudging: list[set[int]],
    report: ClassReport,
) -> None:  # fmt: skip
    rng = random.Random(1000 + number)
    student = Student(base, number)
    try:
        await asyncio.sleep(max(0.0, clock + first - time.perf_counter()))
        await student.connect()
        for number_, start in enumerate(starts, start=1):
            if number_ > 1:
                await asyncio.sleep(max(0.0, clock + start + rng.uniform(0, REACTION) - time.perf_counter()))
            page, query = scene_address(number_)
            result = await student.open(page, query)
            report.arrivals.setdefault(number_, []).append(result.seconds)
            report.errors += [f"student {number}, scene {number_}: {e}" for e in result.errors]
            if number in nudging[number_ - 1] and result.slider is not None:
                await asyncio.sleep(rng.uniform(2.0, 6.0))
                value = result.slider.nudged(rng)
                moved = await student.nudge(result.slider, value)
                report.nudges.append(moved.seconds)
                report.errors += [f"student {number}, scene {number_}, nudge: {e}" for e in moved.errors]
                if set(moved.texts) <= set(result.texts):  # the same words as before: it moved nothing
                    report.unchanged += 1
    except (TimeoutError, websockets.WebSocketException, OSError) as err:
        report.errors.append(f"student {number}: {type(err).__name__}: {err}")
    finally:
        await student.close()


async def _browser_student(base: str, starts: list[float], clock: float, report: ClassReport) -> None:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await launch(playwright)
        session = await Session.open(browser, base, width=1280, height=720)
        for number, start in enumerate(starts, start=1):
            await asyncio.sleep(max(0.0, clock + start + 1.0 - time.perf_counter()))
            page, query = scene_address(number)
            seconds = await session.visit(f"/{page}?{query}")
            if seconds is not None:
                report.browser.append(seconds)
        report.errors += [f"browser student: {e}" for e in session.errors]
        await browser.close()


async def _sample_memory(server: Server, report: ClassReport, done: asyncio.Event) -> None:
    while not done.is_set():
        rss, peak = server.rss_mb()
        report.memory.append((time.perf_counter() - server.started, rss))
        report.peak_mb = max(report.peak_mb, peak)
        await asyncio.sleep(0.5)


async def classroom(
    students: int = STUDENTS, interval: tuple[float, float] = INTERVAL, scenes: int | None = None,
    browser: bool = True, seed: int = 0,
) -> ClassReport:  # fmt: skip
    """Run the class against a fresh server of the app; the report of what every student saw."""
    from dashboard import talk

    from .app_speed import APP

    count = min(scenes or len(talk.SCENES), len(talk.SCENES))
    rng = random.Random(seed)
    starts = schedule(count, interval, rng)
    firsts = [FIRST_MINUTE * (i + 0.5) / students for i in range(students)]
    rng.shuffle(firsts)
    nudging = [set(rng.sample(range(students), round(NUDGE_SHARE * students))) for _ in range(count)]
    report = ClassReport(students, [code for code, _, _ in talk.SCENES[:count]])
    server = Server(APP).start()  # cold: nothing computed, nothing loaded
    report.cold_start_s = server.healthy_s or 0.0
    done = asyncio.Event()
    try:
        clock = time.perf_counter()
        sampler = asyncio.create_task(_sample_memory(server, report, done))
        tasks = [_student(server.base, n, starts, firsts[n], clock, nudging, report) for n in range(students)]
        if browser:
            tasks.append(_browser_student(server.base, starts, clock, report))
        await asyncio.gather(*tasks)
        report.seconds = time.perf_counter() - server.started
        done.set()
        await sampler
    finally:
        server.stop()
    return report


def summary(report: ClassReport) -> tuple[str, bool]:
    """The per-scene table, the overall figures against their targets, and whether every target was met."""
    lines = ["| scene | page | arrivals | p50 (s) | p95 (s) | max (s) |", "|---:|---|---:|---:|---:|---:|"]
    from dashboard import talk

    for number, values in sorted(report.arrivals.items()):
        code, page, _ = talk.SCENES[number - 1]
        lines.append(
            f"| {number} {code} | {page.removeprefix('pages/').removesuffix('.py')} | {len(values)} | "
            f"{percentile(values, 50):.2f} | {percentile(values, 95):.2f} | {max(values):.2f} |"
        )
    arrivals = report.all_arrivals()
    first, largest, end = report.memory_course()
    figures = {
        "errors": len(report.errors),
        "arrival_p95_s": percentile(arrivals, 95) if arrivals else float("inf"),
        "nudge_p95_s": percentile(report.nudges, 95) if report.nudges else float("inf"),
        "browser_arrival_p95_s": percentile(report.browser, 95) if report.browser else float("nan"),
        "peak_mb": report.peak_mb,
    }
    met = {k: not figures[k] > TARGETS[k] for k in TARGETS}  # NaN (no browser student) is not a miss
    lines += [
        "",
        f"{report.students} students, {len(report.arrivals)} scenes, {report.seconds:.0f} s from a cold server "
        f"(healthy after {report.cold_start_s:.1f} s); {len(arrivals)} arrivals, {len(report.nudges)} nudges, "
        f"{len(report.browser)} browser arrivals; {report.unchanged} nudges changed no text on the page.",
        f"arrival p50 {percentile(arrivals, 50):.2f} s" if arrivals else "no arrivals",
        f"nudge p50 {percentile(report.nudges, 50):.2f} s" if report.nudges else "no nudges",
        f"browser student arrival p50 {statistics.median(report.browser):.2f} s" if report.browser else "",
        f"memory: {first:.0f} MB after the first minute, {largest:.0f} MB at most, {end:.0f} MB at the end (the "
        f"real models load in the talk's second half); peak {report.peak_mb:.0f} MB: "
        + ("bounded by the target" if report.peak_mb <= TARGETS["peak_mb"] else "over the target"),
        "",
        "| target | figure | limit | |",
        "|---|---:|---:|---|",
    ]
    for key, limit in TARGETS.items():
        lines.append(f"| {key} | {figures[key]:.2f} | {limit} | {'met' if met[key] else 'MISSED'} |")
    return "\n".join(line for line in lines if line is not None), all(met.values())


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--students", type=int, default=STUDENTS, help=f"websocket students (default {STUDENTS})")
    ap.add_argument("--interval", type=float, nargs=2, default=INTERVAL, help="seconds between scenes (20 30)")
    ap.add_argument("--scenes", type=int, default=None, help="the talk's first N scenes (default: all)")
    ap.add_argument("--no-browser", action="store_true", help="without the real Chromium student")
    args = ap.parse_args(argv)
    if not 1 <= args.students <= 60 or not 1 <= args.interval[0] <= args.interval[1] <= 120:
        print("classroom: --students 1–60 and 1 ≤ interval low ≤ high ≤ 120", file=sys.stderr)
        return 2
    report = asyncio.run(classroom(args.students, tuple(args.interval), args.scenes, not args.no_browser))
    text, ok = summary(report)
    print(text)
    for line in report.errors[:50]:
        print(f"ERROR: {line}")
    return 0 if not report.errors else 1


if __name__ == "__main__":
    raise SystemExit(main())
