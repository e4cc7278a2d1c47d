"""What a benchmark figure rests on: the ordinary-Streamlit replica of a page's move
(benchmarks/replica_app.py) re-sends as much as that page's move does, and app_speed's table reports
the launches and replicas it measured."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from benchmarks import app_speed
from dashboard import comeback_view, retrieval_view
from tests.apptest_helpers import charts, open_page

REPLICA = str(Path(app_speed.REPLICA_APP))
LAB_CHARTS = {"comeback": comeback_view.CHARTS, "retrieval": retrieval_view.DEMO}  # what a move redraws


def _replica(page: str, first: int | None = None) -> AppTest:
    """The replica of `page`'s move, its first slider at `first` where given."""
    at = AppTest.from_file(REPLICA, default_timeout=60)
    at.query_params["page"] = page
    at.run()
    if first is None:
        return at
    at.slider[0].set_value(first)
    return at.run()


def _controls(at: AppTest) -> tuple[int, int]:
    return len(at.slider) + len(at.select_slider), len(at.text_area)


@pytest.mark.parametrize("page", app_speed.REPLICAS)
def test_the_replica_re_sends_what_the_pages_move_re_sends(page):
    replica, shown = _replica(page), open_page(f"pages/{page}.py")
    assert not replica.exception and not shown.exception
    lab = LAB_CHARTS[page]
    assert _controls(replica) == _controls(shown)  # the page's controls are all in its lab
    assert len(charts(replica)) == len(lab)
    assert len(replica.metric) == sum(chart.numbers for chart in lab)
    assert len(replica.get("download_button")) == 3 * len(lab)  # PNG, SVG and CSV under each chart
    assert len(replica.caption) == len(lab)


@pytest.mark.parametrize("page", app_speed.REPLICAS)
def test_a_move_of_the_replica_redraws_every_chart(page):
    before = charts(_replica(page))
    after = charts(_replica(page, first=51))
    for old, new in zip(before, after, strict=True):
        assert not old["data"][0].equals(new["data"][0])


def _report(**fields) -> app_speed.AppReport:
    report = app_speed.AppReport(floor_ms=[50.0, 60.0, 70.0], floor_text_ms=[20.0, 30.0], **fields)
    report.pages_ms = {"RNNs came back": [100.0, 110.0, 120.0]}
    return report


def test_the_cold_start_is_the_median_launch_and_every_launch_is_shown():
    report = _report(cold_health_s=[0.5, 1.9, 0.6], cold_starts_s=[4.0, 11.0, 5.0])
    assert report.cold_start_s == 5.0
    text, missed = app_speed.table(report)
    assert "median of 3 | 5.0 s" in text and "1.9, 11.0 s" in text
    assert not any("cold start" in line for line in missed)
    failed = _report(cold_health_s=[0.5, 0.5, 0.5], cold_starts_s=[4.0, None, 5.0])
    assert failed.cold_start_s is None
    assert "failed" in app_speed.table(failed)[0]
    assert any("cold start" in line for line in app_speed.table(failed)[1])


def test_a_missed_ratio_names_the_same_move_in_ordinary_streamlit():
    report = _report(cold_health_s=[0.5], cold_starts_s=[4.0], replica_ms={"RNNs came back": [90.0, 120.0, 150.0]})
    text, missed = app_speed.table(report)
    assert "RNNs came back's move in ordinary Streamlit" in text
    assert "RNNs came back: median 1.83× the floor (target ≤ 1.5; the same move in ordinary Streamlit 2.00×)" in missed
