"""The benchmarks' harness: a Streamlit server on loopback, headless Chromium sessions, and a
"settled" clock.

Settled = the script is not running and nothing in the page has changed for `quiet_ms`; the time
of a settle is the moment of the last change (so the quiet wait itself is not counted).
"""

from __future__ import annotations

import asyncio
import gc
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from playwright.async_api import TimeoutError as PlaywrightTimeout

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
QUIET_MS = 500  # nothing may change for this long before a page counts as settled
TIMEOUT_S = 90.0  # a page that has not settled by then counts as an error
# the sliders a visitor can move (a disabled one, e.g. a remedy control its section does not use, is skipped)
SLIDERS = '[data-testid="stMain"] [data-testid="stSlider"] input[type="range"]:not([disabled])'

# The last moment anything in the document changed (attributes included: the app's script state).
WATCH_JS = """() => {
  window.__bench = {last: performance.now()};
  if (window.__benchObserver) return;
  window.__benchObserver = new MutationObserver(() => { window.__bench.last = performance.now(); });
  window.__benchObserver.observe(document.body, {subtree: true, childList: true, attributes: true,
                                                  characterData: true});
}"""
BUSY_JS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) return true;
  const conn = app.getAttribute('data-test-connection-state');
  return app.getAttribute('data-test-script-state') === 'running' || (conn && conn !== 'CONNECTED')
      || !document.querySelector('[data-testid="stMain"] [data-testid="stElementContainer"]')
      || !!document.querySelector('[data-testid="stSkeleton"]');
}"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """`streamlit run` of one script on 127.0.0.1 (loopback only), with its resident memory."""

    script: Path
    proc: subprocess.Popen | None = None
    base: str = ""
    started: float = 0.0  # time.perf_counter() at launch
    healthy_s: float | None = None

    def start(self) -> Server:
        port = free_port()
        cmd = [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.script),
            "--server.headless=true",
            f"--server.port={port}",
            "--server.address=127.0.0.1",
            "--browser.gatherUsageStats=false",
        ]
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.time() + 90
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server for {self.script.name} exited with {self.proc.returncode}")
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        self.healthy_s = time.perf_counter() - self.started
                        return self
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server for {self.script.name} did not answer within 90 s")

    def rss_mb(self) -> tuple[float, float]:
        """(resident, peak resident) memory of the server process in MB, from /proc."""
        values = {}
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line.split(":")[0]] = int(line.split()[1]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


@dataclass
class Session:
    """One visitor: a browser context and page, and every problem it has seen."""

    page: object
    base: str
    errors: list[str] = field(default_factory=list)

    @classmethod
    async def open(cls, browser, base: str, width: int = 1400, height: int = 1000) -> Session:
        context = await browser.new_context(viewport={"width": width, "height": height})
        session = cls(await context.new_page(), base)
        session._listen()
        return session

    def _listen(self) -> None:
        page, host = self.page, urlsplit(self.base).hostname

        def on_console(message):
            if message.type == "error" and not message.text.startswith("Failed to load resource"):
                self.errors.append(f"console: {message.text[:200]}")

        def on_response(response):  # the frontend probes <page>/_stcore/health|host-config first
            if response.status >= 400 and not re.search(r"/_stcore/(health|host-config)$", response.url):
                self.errors.append(f"HTTP {response.status} {response.url[:120]}")

        def on_request(request):
            if not request.url.startswith(("data:", "blob:")) and urlsplit(request.url).hostname != host:
                self.errors.append(f"off-machine request: {request.url[:120]}")

        async def on_dialog(dialog):
            self.errors.append(f"dialog: {dialog.message[:100]}")
            await dialog.dismiss()

        page.on("console", on_console)
        page.on("response", on_response)
        page.on("request", on_request)
        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: self.errors.append(f"page error: {str(e)[:200]}"))

    async def settle(self, quiet_ms: int = QUIET_MS, timeout_s: float = TIMEOUT_S) -> float | None:
        """Wait for a settled page; returns the performance.now() of its last change (None: timed out)."""
        await self.page.evaluate(WATCH_JS)
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            since, last = await self.page.evaluate(
                "() => [performance.now() - window.__bench.last, window.__bench.last]"
            )
            if since >= quiet_ms and not await self.page.evaluate(BUSY_JS):
                return last
            await asyncio.sleep(0.03)
        self.errors.append(f"not settled within {timeout_s:.0f} s: {self.page.url}")
        return None

    async def visit(self, path: str) -> float | None:
        """Open base + path and wait until it has settled; seconds from the request to the last change."""
        t0 = time.perf_counter()
        await self.page.goto(self.base + path)
        last = await self.settle()
        now = await self.page.evaluate("() => performance.now()")
        await self.check_page()
        if last is None:
            return None
        return time.perf_counter() - t0 - (now - last) / 1000

    async def check_page(self) -> None:
        """Count exceptions and error boxes drawn in the page as errors."""
        shown = await self.page.evaluate(
            """() => [...document.querySelectorAll('[data-testid="stException"], [data-testid="stAlertContentError"]')]
                     .map(e => e.innerText.slice(0, 200))"""
        )
        self.errors.extend(f"shown in {self.page.url}: {text}" for text in shown)

    async def slider_count(self) -> int:
        return await self.page.locator(SLIDERS).count()

    async def nudge(self, index: int, key: str) -> float | None:
        """Press an arrow key on slider `index`; ms from the key press to the settled page."""
        thumb = self.page.locator(SLIDERS).nth(index)
        try:
            await thumb.focus(timeout=10_000)
        except PlaywrightTimeout:  # a rerun under load may still be replacing the page's widgets
            await self.settle()
            if index >= await self.slider_count():  # settled, and still gone: that is the app's fault
                self.errors.append(f"slider {index} is gone from the settled page {self.page.url}")
                return None
            await thumb.focus(timeout=10_000)
        await self.page.evaluate(WATCH_JS)
        # The clock starts in the browser (t0) and stops at the page's last change, also read in the browser; a
        # pause of this process between t0 and the key press would count as the page's time, and its garbage
        # collector made such pauses (a full collection of the driver took up to 1 s). So no collection here:
        # one that falls due runs after the sample.
        collecting = gc.isenabled()
        gc.disable()
        try:
            t0 = await self.page.evaluate("() => performance.now()")
            await thumb.press(key)
        finally:
            if collecting:
                gc.enable()
        last = await self.settle()
        await self.check_page()
        if last is None:
            return None
        return max(last - t0, 0.0)


async def launch(playwright):
    if not os.path.exists(CHROMIUM):
        raise SystemExit("benchmarks: needs Debian's chromium (apt-get install -y chromium)")
    return await playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile by the nearest-rank method (q = 50: the median of an odd count)."""
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil(q/100 · n)
    return ordered[rank - 1]
