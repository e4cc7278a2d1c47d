"""The app in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The page draws its charts, the sequence-length slider changes the main chart, and there are
no console errors and no requests off this machine.  Skipped where chromium is missing, except
under CI=true, where a missing browser is a failure (`.ci/run` installs it).
"""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from benchmarks.browser import CHROMIUM, FLAGS  # the benchmarks' Chromium, with the same flags

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser

if not os.path.exists(CHROMIUM) and os.environ.get("CI") != "true":
    pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)", allow_module_level=True)
sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_server():
    port = _free_port()
    cmd = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(ROOT / "streamlit_app.py"),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 90
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(base + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("the app did not answer its health check within 90 s")
    return proc, base


@pytest.fixture(scope="module")
def server():
    proc, base = _start_server()
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def fresh_server():
    """A server no session has visited yet: its first request decides the legacy pages/ mode."""
    proc, base = _start_server()
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def page(server):
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.console_errors, page.offsite = [], []
        # "Failed to load resource" is recorded from the response itself, below, with its URL
        page.on(
            "console",
            lambda m: (
                page.console_errors.append(m.text)
                if m.type == "error" and not m.text.startswith("Failed to load resource")
                else None
            ),
        )

        def on_response(response):  # the frontend probes <page>/_stcore/health|host-config before the base path
            if response.status >= 400 and not re.search(r"/_stcore/(health|host-config)$", response.url):
                page.console_errors.append(f"HTTP {response.status} {response.url}")

        page.on("response", on_response)

        def on_dialog(dialog):  # an alert() means some input ran as script
            page.console_errors.append(f"dialog: {dialog.message}")
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: page.console_errors.append(str(e)))
        host = urlsplit(server).hostname

        def on_request(request):
            if not request.url.startswith(("data:", "blob:")) and urlsplit(request.url).hostname != host:
                page.offsite.append(request.url)

        page.on("request", on_request)
        yield page
        browser.close()


def _settle(page, timeout=60):
    """Wait until the script has finished running and the charts are drawn."""
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout * 1000)
    page.wait_for_selector(
        '[data-testid="stVegaLiteChart"] canvas, [data-testid="stVegaLiteChart"] svg', timeout=timeout * 1000
    )
    page.wait_for_timeout(700)  # let vega finish painting


def test_page_draws_charts_and_slider_changes_the_chart(page, server):
    page.goto(server + "/vanishing_exploding")
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 2  # the gradient and the closer look
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    before = chart.screenshot()
    verdict_before = page.locator('[data-testid="stAlert"]').first.inner_text()

    thumb = page.locator('[data-testid="stSlider"] input[type="range"]').first
    thumb.focus()
    thumb.press("End")  # sequence length to its maximum, 2000
    page.wait_for_function(
        """() => document.querySelector('[data-testid="stSliderThumbValue"]').innerText.trim() === '2000'""",
        timeout=10_000,
    )
    page.wait_for_timeout(300)
    _settle(page)
    assert "?seq_len=2000" in page.url or "seq_len=2000" in page.url  # the view is shareable
    assert page.locator('[data-testid="stAlert"]').first.inner_text() != verdict_before
    assert chart.screenshot() != before
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == []
    assert page.offsite == []


def test_the_closer_look_switches_between_eigenvalues_and_the_map_and_follows_the_sliders(page, server):
    page.goto(server + "/vanishing_exploding?lang=ko")
    _settle(page)
    assert page.locator("h3").filter(has_text="W의 고유값").count() == 1  # the eigenvalues first
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text="모든 가중치 크기를 한눈에").click()
    page.wait_for_timeout(300)
    _settle(page)
    assert page.locator("h3").filter(has_text="모든 가중치 크기를 한눈에").count() == 1
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 2
    before = charts.nth(1).screenshot()
    rho = page.locator('[data-testid="stSlider"] input[type="range"]').nth(1)
    rho.focus()
    rho.press("End")  # ρ = 2: the map's marker line moves
    page.wait_for_url("**weight_scale=2**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    assert charts.count() == 2 and charts.nth(1).screenshot() != before
    assert page.locator("h3").filter(has_text="모든 가중치 크기를 한눈에").count() == 1  # still the map
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_url_restores_the_view_and_korean_renders(page, server):
    page.goto(server + "/vanishing_exploding?lang=ko&weight_scale=1.5&nonlinearity=linear&seq_len=300")
    _settle(page)
    assert page.locator("h1").first.inner_text().startswith("기울기")
    assert "폭발" in page.locator('[data-testid="stAlert"]').first.inner_text()
    assert page.console_errors == [] and page.offsite == []


def test_remedies_page_draws_and_its_window_slider_changes_the_truncation_chart(page, server):
    page.goto(server + "/remedies?seq_len=200")
    _settle(page)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1  # one section at a time
    chart = page.locator('[data-testid="stVegaLiteChart"]').first
    before = chart.screenshot()
    window = page.locator('[data-testid="stSlider"]').filter(has_text="Window size K").locator('input[type="range"]')
    window.focus()
    window.press("End")  # K = T: nothing is cut off any more
    page.wait_for_url("**window=200**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    assert chart.screenshot() != before
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def _csv(page, chart_name: str):
    import io

    import pandas as pd

    return pd.read_csv(io.BytesIO(_download(page, chart_name, "csv")))


def _slider(page, label: str):
    return page.locator('[data-testid="stSlider"]').filter(has_text=label).locator('input[type="range"]')


def _section(page, label: str):
    """Pick a Remedies section as a visitor does (it reruns the page), and wait for it."""
    page.locator('[data-testid="stButtonGroup"] button').filter(has_text=label).click()
    page.wait_for_timeout(300)
    _settle(page)


def test_remedies_sections_redraw_in_place_keep_the_controls_and_the_downloads_follow(page, server):
    """The controls' fragment fills the section's places, drawn once by the page (dashboard/lab.py):
    a move redraws the section's chart and its download row and adds no element; the download row gives
    the chart as drawn now; a control the section does not use is not drawn, and its value survives in the link."""
    page.goto(server + "/remedies?seq_len=200")
    _settle(page)
    _section(page, "3. LSTM / GRU gates")
    assert page.locator("h3").filter(has_text="LSTM and GRU").count() == 1
    assert _slider(page, "Clipping threshold").count() == 0 and _slider(page, "Window size K").count() == 0
    chart = page.locator('[data-testid="stVegaLiteChart"]')
    before = chart.screenshot()
    elements = page.locator('[data-testid="stElementContainer"]').count()
    assert "LSTM, b_f = 1.0" in set(_csv(page, "gates")["series"])

    forget = _slider(page, "LSTM forget-gate bias")
    forget.focus()
    forget.press("End")  # b_f = 8: the gate holds the cell almost perfectly
    page.wait_for_url("**forget_bias=8**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    assert chart.screenshot() != before
    assert page.locator('[data-testid="stElementContainer"]').count() == elements  # replaced, not added
    assert chart.count() == 1 and page.locator('[data-testid="stDownloadButton"]').count() == 3
    assert "LSTM, b_f = 8.0" in set(_csv(page, "gates")["series"])

    _section(page, "1. Truncation")  # the bias is not drawn here: its value is kept for later
    assert _slider(page, "LSTM forget-gate bias").count() == 0
    _section(page, "5. All together")
    assert "LSTM, b_f = 8.0" in set(_csv(page, "all-remedies")["series"])  # the value kept
    assert _slider(page, "Window size K").count() == 1
    seq_len = page.locator('[data-testid="stSlider"] input[type="range"]').first
    seq_len.focus()
    seq_len.press("ArrowRight")  # T = 201: the chart is redrawn, the biases kept
    page.wait_for_url("**seq_len=201**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    table = _csv(page, "all-remedies")
    assert "LSTM, b_f = 8.0" in set(table["series"]) and table["distance"].max() == 200
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_a_download_gives_the_chart_of_the_latest_move_in_the_pages_language_named_by_its_settings(page, server):
    page.goto(server + "/vanishing_exploding?seq_len=300&lang=ko")
    _settle(page)
    assert len(_csv(page, "gradient")) == 300
    seq_len = page.locator('[data-testid="stSlider"] input[type="range"]').first
    seq_len.focus()
    seq_len.press("ArrowRight")
    page.wait_for_url("**seq_len=301**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    assert len(_csv(page, "gradient")) == 301
    svg = _download(page, "gradient", "svg", "_seq_len-301").decode()
    assert "거리" in svg and "seq_len=301" in svg  # drawn in Korean, so is the file, headed by its settings
    assert page.console_errors == [] and page.offsite == []


def test_sidebar_navigation_keeps_the_language(page, server):
    page.goto(server + "/?lang=ko")
    _settle(page)
    assert page.locator("h1").first.inner_text() == "어텐션이 이긴 이유"  # the home page
    page.locator('[data-testid="stSidebarNav"] a').filter(has_text="해결책과 그 한계").click()
    page.wait_for_url("**/remedies**", timeout=10_000)
    _settle(page)
    assert page.locator("h1").first.inner_text() == "해결책들, 그리고 여전히 실패하는 곳"
    assert page.console_errors == [] and page.offsite == []


def test_a_fresh_servers_first_visit_to_a_sub_page_goes_through_the_router(page, fresh_server):
    page.goto(fresh_server + "/remedies?lang=ko&seq_len=300")
    _settle(page)
    assert page.locator("h1").first.inner_text() == "해결책들, 그리고 여전히 실패하는 곳"
    assert page.locator('[data-testid="stSidebar"] [data-testid="stSelectbox"]').count() == 1  # the frame is there
    nav = page.locator('[data-testid="stSidebarNav"] a').all_inner_texts()
    assert any("기울기 소실과 폭발" in n for n in nav)
    assert "seq_len=300" in page.url
    assert page.console_errors == [] and page.offsite == []


def test_training_page_trains_live_and_stop_keeps_the_curves(page, server):
    page.goto(server + "/training?train_model=lstm&train_seq_len=12&train_steps=60")
    _settle(page)
    page.locator('[data-testid="stMain"]').get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector('[data-testid="stAlert"]', timeout=60_000)
    _settle(page)
    assert (
        "Solved" in page.locator('[data-testid="stAlert"]').first.inner_text()
        or "Finished" in page.locator('[data-testid="stAlert"]').first.inner_text()
    )
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 4  # sweep + loss, accuracy, first-token grad

    page.goto(server + "/training?train_model=transformer&train_seq_len=200&train_steps=2000")
    _settle(page)
    page.locator('[data-testid="stMain"]').get_by_role("button", name="Train", exact=True).click()
    page.wait_for_selector('[data-testid="stProgress"]', timeout=30_000)
    page.wait_for_timeout(1500)
    page.locator('[data-testid="stMain"]').get_by_role("button", name="Stop", exact=True).click()
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stAlert"]')]
                              .some(a => a.innerText.includes('Stopped by you'))""",
        timeout=30_000,
    )
    _settle(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 4  # the curves so far stay
    assert page.locator('[data-testid="stMain"]').get_by_role("button", name="Train", exact=True).is_enabled()
    assert page.console_errors == [] and page.offsite == []


def test_attention_page_draws_and_korean_renders(page, server):
    page.goto(server + "/attention?att_mode=random&att_seq_len=512&lang=ko")
    _settle(page)
    assert page.locator("h1").first.inner_text() == "어텐션: 순환을 대체한 것"
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 4
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_real_transformer_page_draws_offline_in_korean_and_its_sliders_move_the_head_view(page, server):
    page.goto(server + "/real_transformer?lang=ko")
    _settle(page, timeout=120)  # the first visit loads the model (a few seconds)
    assert page.locator("h1").first.inner_text() == "실제 트랜스포머, 실제 문장"
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 5
    caption = page.locator('[data-testid="stCaptionContainer"]').first.inner_text()
    assert caption.startswith("5층 4번 헤드")
    layer = _slider(page, "층").first  # the layer ("층"), beside the head ("헤드")
    layer.focus()
    layer.press("ArrowLeft")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=\"stCaptionContainer\"]').innerText.startsWith('4층')",
        timeout=30_000,
    )
    assert "real_layer=4" in page.url
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_real_transformer_page_takes_hostile_text_as_text(page, server):
    text = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20the%20cat%20sat"
    page.goto(server + f"/real_transformer?real_text=own&real_own={text}")
    _settle(page, timeout=120)
    assert page.locator('[data-testid="stTextArea"] textarea').first.input_value().startswith("<img src=x")
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_real_text_page_draws_and_samples_in_the_browser(page, server):
    page.goto(server + "/real_text?text_own=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20And%20God%20said")
    _settle(page, timeout=120)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 3
    assert page.locator('[data-testid="stCode"]').count() == 3  # a sample from each model
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_retrieval_page_draws_and_its_gap_slider_moves_the_demo(page, server):
    hostile = "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20And%20God%20said%20unto%20Moses"
    page.goto(server + f"/retrieval?copy_text={hostile}")
    _settle(page, timeout=120)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 5  # gain, the copies, the head's map, the heads' scores, training
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    captions = page.locator('[data-testid="stCaptionContainer"]')
    assert any("the copies are 128 characters apart" in text for text in captions.all_inner_texts())
    thumb = _slider(page, "Gap between the copies").first
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('copy_gap=136')", timeout=15_000)
    _settle(page)
    assert any("the copies are 136 characters apart" in text for text in captions.all_inner_texts())
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_depth_page_draws_its_sections_in_korean_and_the_stack_slider_moves_the_map(page, server):
    page.goto(server + "/depth?lang=ko&stack_layers=4")
    _settle(page)
    assert page.locator("h1").first.inner_text() == "길이만이 아니라 깊이도"
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 5  # layers, width, unrolled RNN, stacked map, Transformers in depth
    stacked = charts.nth(3)
    stacked.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    before = stacked.screenshot()
    captions = page.locator('[data-testid="stCaptionContainer"]')
    assert any("층이 4 개" in text for text in captions.all_inner_texts())
    thumb = _slider(page, "층 수").filter(visible=True).nth(1)  # the first is "층 수 L", the feed-forward depth
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('stack_layers=5')", timeout=15_000)
    _settle(page)
    page.wait_for_timeout(500)
    assert any("층이 5 개" in text for text in captions.all_inner_texts())
    assert stacked.screenshot() != before  # a fifth row in the map
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_head_to_head_page_draws(page, server):
    page.goto(server + "/head_to_head")
    _settle(page)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 2
    table = page.locator('[data-testid="stTable"]')
    assert table.count() == 1 and table.locator("tbody tr").count() == 5  # the four layer types and the LRU's scan
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_home_page_tells_the_story_and_links_to_every_page(page, server):
    page.goto(server + "/")
    _settle(page)
    assert page.locator("h1").first.inner_text() == "Why attention won"
    assert page.locator('[data-testid="stVegaLiteChart"]').count() == 1  # the lineage timeline
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"] a')
    assert links.count() == 14  # seven story steps and a link to each of the seven other pages
    links.filter(has_text="Try each remedy").click()
    page.wait_for_url("**/remedies**", timeout=10_000)
    _settle(page)
    assert page.locator("h1").first.inner_text() == "The remedies, and where they still fail"
    assert page.console_errors == [] and page.offsite == []


def test_presenter_mode_from_the_url_collapses_the_sidebar(page, server):
    page.goto(server + "/vanishing_exploding?present=1")
    _settle(page)
    assert page.locator('[data-testid="stSidebar"][data-collapsed="true"]').count() == 1
    page.goto(server + "/vanishing_exploding")
    _settle(page)
    assert page.locator('[data-testid="stSidebar"][data-collapsed="false"]').count() == 1


def test_a_typed_sentence_travels_in_the_link_as_text_never_as_html(page, server):
    page.goto(server + "/attention?att_text=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E%20the%20cat%20sat")
    _settle(page)
    assert page.locator('[data-testid="stTextInput"] input').first.input_value().startswith("<img src=x")
    assert page.locator('[data-testid="stMain"] img[src="x"]').count() == 0  # never rendered as markup
    assert page.console_errors == [] and page.offsite == []  # and no dialog was opened by script


def _download(page, chart_name: str, fmt: str, settings: str | None = None) -> bytes:
    """Click a chart's PNG / SVG / CSV button and return the file the browser saved (its name says the
    chart and the `settings` that differ from the defaults)."""
    button = page.locator(f".st-key-export-{chart_name}-{fmt} button").filter(visible=True)  # one of two copies
    with page.expect_download(timeout=60_000) as info:
        button.click()
    download = info.value
    name = download.suggested_filename
    assert name.startswith(f"gradient-lab-{chart_name}") and name.endswith(f".{fmt}"), name
    if settings is not None:
        assert name == f"gradient-lab-{chart_name}{settings}.{fmt}"
    return Path(download.path()).read_bytes()


def test_every_chart_downloads_as_png_svg_and_csv(page, server):
    import io

    import pandas as pd

    page.goto(server + "/vanishing_exploding?seq_len=300&lang=ko")
    _settle(page)
    assert page.locator('[data-testid="stDownloadButton"]').count() == 2 * 3  # two charts, three files each
    png = _download(page, "gradient", "png", "_seq_len-300")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    width = int.from_bytes(png[16:20], "big")
    assert width >= 2 * 720  # drawn at twice the pixels of a 720 px chart
    svg = _download(page, "gradient", "svg", "_seq_len-300").decode()
    assert "<svg" in svg and "거리" in svg  # the Korean axis title ("distance") is in the image
    table = pd.read_csv(io.BytesIO(_download(page, "gradient", "csv", "_seq_len-300")))
    assert len(table) == 300 and table["distance"].tolist() == list(range(299, -1, -1))
    assert {"log10_grad_norm", "rho_line", "bound_line"} <= set(table.columns)
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_reset_to_defaults_restores_every_control_and_clears_the_link(page, server):
    page.goto(server + "/vanishing_exploding?seq_len=300&weight_scale=1.5&init=gaussian&seed=7")
    _settle(page)
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("button", name="Reset to defaults").click()
    page.wait_for_function("() => !location.search.includes('seq_len')", timeout=15_000)
    _settle(page)
    assert not any(key in page.url for key in ("seq_len", "weight_scale", "init", "seed"))
    values = page.locator('[data-testid="stSliderThumbValue"]').all_inner_texts()
    assert values[:2] == ["100", "0.90"]
    assert page.locator('[data-testid="stToast"]').count() == 0  # the old link is not "malformed"
    assert page.console_errors == [] and page.offsite == []


def test_a_hidden_window_is_clamped_when_t_shrinks_meanwhile(page, server):
    page.goto(server + "/remedies?seq_len=200&window=150")
    _settle(page)
    _section(page, "3. LSTM / GRU gates")  # the window is not drawn here
    seq_len = page.locator('[data-testid="stSlider"] input[type="range"]').first
    seq_len.focus()
    seq_len.press("Home")  # T = 2
    page.wait_for_url("**seq_len=2**", timeout=10_000)
    page.wait_for_timeout(300)
    _settle(page)
    _section(page, "1. Truncation")
    window = page.locator('[data-testid="stSlider"]').filter(has_text="Window size K")
    assert int(window.locator('[data-testid="stSliderThumbValue"]').inner_text()) <= 2
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_reset_also_resets_a_remedy_control_the_shown_section_does_not_draw(page, server):
    page.goto(server + "/remedies?forget_bias=8.0")
    _settle(page)
    _section(page, "3. LSTM / GRU gates")
    assert _slider(page, "LSTM forget-gate bias").get_attribute("aria-valuetext") == "8.00"
    _section(page, "1. Truncation")
    page.locator('[data-testid="stMain"]').get_by_role("button", name="Reset to defaults").click()
    page.wait_for_timeout(500)
    _settle(page)
    _section(page, "3. LSTM / GRU gates")
    assert _slider(page, "LSTM forget-gate bias").get_attribute("aria-valuetext") == "1.00"
    assert "forget_bias" not in page.url
    assert page.console_errors == [] and page.offsite == []


def test_reset_on_the_remedies_page_also_resets_the_window_whose_range_follows_t(page, server):
    page.goto(server + "/remedies?seq_len=300&window=50&clip=10.0")
    _settle(page)
    page.locator('[data-testid="stMain"]').get_by_role("button", name="Reset to defaults").click()
    page.wait_for_function("() => !location.search.includes('seq_len')", timeout=15_000)
    _settle(page)
    page.wait_for_timeout(1000)
    window = page.locator('[data-testid="stSlider"]').filter(has_text="Window size K")
    assert window.locator('[data-testid="stSliderThumbValue"]').inner_text() == "20"
    assert "window" not in page.url and "clip" not in page.url, page.url
    assert page.locator('[data-testid="stToast"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


LAB_PAGES = (
    "vanishing_exploding",
    "depth",
    "remedies",
    "training",
    "attention",
    "head_to_head",
    "real_transformer",
    "real_text",
    "retrieval",
    "stability",
    "comeback",
)
STORED = ("training", "real_text", "retrieval")  # their main chart is a stored measurement: no control moves it
# Per page: the first chart's box, and the box of every control in the column beside it (the
# controls that move it, in presenter mode), in CSS pixels of the viewport.
_FIT_JS = """() => {
  const chart = document.querySelector('[data-testid="stVegaLiteChart"]');
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.top, r.bottom]; };
  const row = chart.closest('[data-testid="stHorizontalBlock"]');
  const column = row ? row.querySelector(':scope > [data-testid="stColumn"]') : null;
  const controls = column && !column.contains(chart)
    ? [...column.querySelectorAll('[data-testid="stSlider"], [data-testid="stSelectbox"], [data-testid="stCheckbox"]')]
    : [];
  return {chart: box(chart), controls: controls.map(box)};
}"""


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", [(1280, 720), (1920, 1080)])
def test_presenter_mode_fits_each_main_chart_and_its_controls_on_a_projector(page, server, size, lang):
    width, height = size
    page.set_viewport_size({"width": width, "height": height})
    query = "present=1" + ("&lang=ko" if lang == "ko" else "")
    for name in LAB_PAGES:
        page.goto(f"{server}/{name}?{query}")
        _settle(page)
        fit = page.evaluate(_FIT_JS)
        top, bottom = fit["chart"]
        assert 0 <= top and bottom <= height, (name, fit)
        if name not in STORED:
            assert fit["controls"], name
        for control_top, control_bottom in fit["controls"]:
            assert 0 <= control_top and control_bottom <= height, (name, fit)
    assert page.console_errors == [] and page.offsite == []


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_every_talk_scene_fits_a_1280x720_projector(page, server, lang):
    """#37: every scene of the talk, the real models' included, opened by its own link (presenter mode, the
    scene's settings): the page's first chart and the controls beside it fit the screen."""
    from urllib.parse import urlencode

    from dashboard import talk

    page.set_viewport_size({"width": 1280, "height": 720})
    for number, (code, path, _) in enumerate(talk.SCENES, start=1):
        name = path.removeprefix("pages/").removesuffix(".py")
        if name not in LAB_PAGES:  # the opening question: the home page, read from the top
            continue
        query = {talk.SCENE_KEY: number, "present": 1} | ({"lang": lang} if lang == "ko" else {})
        page.goto(f"{server}/{name}?{urlencode(query)}")
        _settle(page, timeout=120)
        fit = page.evaluate(_FIT_JS)
        top, bottom = fit["chart"]
        assert 0 <= top and bottom <= 720, (code, fit)
        for control_top, control_bottom in fit["controls"]:
            assert 0 <= control_top and control_bottom <= 720, (code, fit)
        assert page.locator('[data-testid="stException"]').count() == 0, code
        print(code, lang, fit)
    assert page.console_errors == [] and page.offsite == []


def test_slash_home_opens_the_home_page_in_the_links_language(page, server):
    page.goto(server + "/home?lang=ko")
    page.wait_for_url(re.compile(r".*/\?lang=ko$"), timeout=20_000)
    page.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    assert page.locator("h1").first.inner_text() == "어텐션이 이긴 이유"
    assert page.get_by_text("Page not found").count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_stability_page_draws_and_its_learning_rate_moves_the_curves(page, server):
    page.goto(server + "/stability?stab_model=transformer-post&stab_lr=0.01")
    _settle(page, timeout=120)
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    assert charts.count() == 4  # the grid, one cell's curves, throughput, the longest chain
    captions = page.locator('[data-testid="stCaptionContainer"]')
    assert any("at learning rate 0.01, warm-up 0" in text for text in captions.all_inner_texts())
    thumb = _slider(page, "Learning rate").first
    thumb.focus()
    thumb.press("ArrowRight")
    page.wait_for_function("() => location.search.includes('stab_lr=0.03')", timeout=15_000)
    _settle(page)
    assert any("at learning rate 0.03, warm-up 0" in text for text in captions.all_inner_texts())
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []


def test_comeback_page_draws_and_its_ring_moves_the_lru(page, server):
    page.goto(server + "/comeback?cb_seq_len=1000")
    _settle(page, timeout=120)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 3  # the gradient, the eigenvalues, the sweep
    captions = page.locator('[data-testid="stCaptionContainer"]')
    assert any("|λ| from 0.9" in text for text in captions.all_inner_texts())
    thumb = _slider(page, "LRU: largest |λ|").first
    thumb.focus()
    thumb.press("ArrowLeft")
    page.wait_for_function("() => location.search.includes('cb_r_max=0.995')", timeout=15_000)
    _settle(page)
    assert any("|λ| = 0.99" in text for text in captions.all_inner_texts())
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.console_errors == [] and page.offsite == []
