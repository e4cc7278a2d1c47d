"""Helpers for AppTest: run the app on a page with query parameters, read back chart data."""

import json
from pathlib import Path

import numpy as np
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
        tables = {d.name: pa.ipc.open_stream(d.data.data).read_all().to_pandas() for d in proto.datasets}
        frames = [t for name, t in tables.items() if not name.startswith("_")]  # helpers ("_extent", ...) left out
        helpers = {name: t for name, t in tables.items() if name.startswith("_")}
        out.append({"spec": json.loads(proto.spec), "data": frames, "helpers": helpers})
    return out


def half_pixel(chart: dict) -> float:
    """Half a pixel of a curves chart's y axis, in its units (log10): charts.curves draws each line through
    some of its points, the others within this of it (charts.geometry.simplify)."""
    lo, hi = chart["helpers"]["_extent"]["log10"]
    return 0.5 * (hi - lo) / chart["spec"]["height"]


def assert_draws(chart: dict, series: str, x, y, exact: float = 1e-9) -> None:
    """The curves chart draws the points (x, y) as `series`, none of them cut by the axes: its line runs from
    the first to the last, every point it draws through is one of them (within `exact`), and every one of them
    lies within half a pixel of the line, at its own x (on the chart's log x axis where it has one)."""
    lines = next(f for f in chart["data"] if "part" in f and "log10" in f)
    drawn = lines[lines["series"] == series].sort_values("distance")
    order = np.argsort(np.asarray(x, dtype=float), kind="stable")
    x, y = np.asarray(x, dtype=float)[order], np.asarray(y, dtype=float)[order]
    assert len(drawn) >= min(len(x), 2) and drawn["part"].nunique() == 1, f"{series}: not one unbroken line"
    dx, dy = drawn["distance"].to_numpy(dtype=float), drawn["log10"].to_numpy(dtype=float)
    assert dx[0] == x[0] and dx[-1] == x[-1], f"{series}: the line does not span the points"
    at = np.searchsorted(x, dx)
    assert (x[np.minimum(at, len(x) - 1)] == dx).all(), f"{series}: a drawn point is not one of the points"
    np.testing.assert_allclose(dy, y[at], rtol=0, atol=exact)
    log_x = any(
        layer.get("data", {}).get("name") == "lines" and layer["encoding"]["x"].get("scale", {}).get("type") == "log"
        for layer in chart["spec"].get("layer", [])
    )
    along = np.interp(np.log2(x) if log_x else x, np.log2(dx) if log_x else dx, dy)
    assert np.abs(along - y).max() <= half_pixel(chart) + exact, f"{series}: a point lies off the drawn line"


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


def element_paths(at: AppTest, kind: str) -> list[tuple[int, ...]]:
    """Where each element of `kind` ("vega_lite_chart", "metric", ...) sits in the main area: its path of child
    indices, as the browser addresses it.  A chart whose path stays the same over a move is updated in place."""
    found = []

    def walk(node, path):
        if getattr(node, "type", None) == kind:
            found.append(path)
        for index, child in sorted(getattr(node, "children", {}).items()):
            walk(child, (*path, index))

    walk(at.main, ())
    return found
