"""Helpers for AppTest: run the app on a page with query parameters, read back chart data."""

import json
from pathlib import Path

import pyarrow as pa
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "streamlit_app.py")


def run_app(query: dict | None = None, timeout: float = 120, page: str | None = None) -> AppTest:
    """Run the app (on `page`, e.g. "pages/remedies.py", else the default page) with URL parameters."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page:
        at.switch_page(page)
    return at.run()


def assert_charts_sound(at: AppTest) -> list[dict]:
    """At least one chart, none blank, and every plotted number finite or marked "no path".  (No
    count: which charts a page shows is tested by what they draw, so adding a chart breaks nothing.)"""
    import numpy as np

    found = charts(at)
    assert found, "no chart"
    for chart in found:
        assert len(chart_rows(chart)) > 0, "blank chart"
        for rows in chart["data"]:  # each dataset on its own: they have different columns
            for col in ("log10", "re", "im", "color", "rho", "weight_scale"):
                if col in rows:
                    finite = np.isfinite(rows[col].astype(float))
                    marked = rows["kind"].eq("no_path") if "kind" in rows else False
                    assert (finite | marked).all(), f"{col} has unmarked non-finite values"
    return found


def charts(at: AppTest) -> list[dict]:
    """Every Vega-Lite chart on the page: {"spec": dict, "data": [DataFrame per dataset]}."""
    out = []
    for element in at.get("vega_lite_chart"):
        proto = element.proto
        frames = [  # what a chart draws; its helper tables ("_extent", "_tips", ...) left out
            pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets if not d.name.startswith("_")
        ]
        out.append({"spec": json.loads(proto.spec), "data": frames})
    return out


def chart_rows(chart: dict):
    """All rows of a chart's datasets, concatenated."""
    import pandas as pd

    frames = [f for f in chart["data"] if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def alert_texts(at: AppTest) -> dict[str, list[str]]:
    return {kind: [e.value for e in getattr(at, kind)] for kind in ("info", "success", "warning", "error")}


def open_page(page: str, query: dict | None = None) -> AppTest:
    """run_app on `page`, asserting that it raised no exception."""
    at = run_app(query or {}, page=page)
    assert not at.exception, [e.value for e in at.exception]
    return at


def all_captions(at: AppTest) -> str:
    """Every caption on the page, one a line."""
    return "\n".join(c.value for c in at.caption)
