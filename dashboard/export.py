"""Every chart with its downloads: PNG and SVG of the chart itself, CSV of the data it draws.

Charts are drawn with `st.vega_lite_chart` from `vega_spec(chart)`: the Altair chart as a
Vega-Lite dict without Altair's JSON-schema validation, which took about a third of a page's run
on every slider move (measured; see benchmarks/app_speed.py).  The builders are validated against
the schema in the tests instead (tests/test_export.py validates every chart of every page).

The images are rendered on the server by vl-convert (Vega-Lite compiled and drawn in-process:
no browser, no network; `allowed_base_urls=[]` forbids any fetch), and only when a button is
clicked: the buttons hold callables, so a rerun costs three small widgets, not three renders.
A row can also be drawn once and give whatever chart was drawn last (`shown`, dashboard/slots.py);
either way the callable runs outside the visitor's script run, so it carries its language.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from .figure import Figure
from .i18n import language, speaking, t

EXPORT_WIDTH = 720  # px of a chart that fills the page's width on screen ("container" has no size off-screen)
PNG_SCALE = 2.0  # 2x pixels: sharp on a projector or a slide
FILE_PREFIX = "gradient-lab"
_COMPOUND = ("hconcat", "vconcat", "concat", "facet", "repeat")
Chart = alt.TopLevelMixin | Figure  # what chart_ui draws: an Altair chart, or a template and its tables


def vega_spec(chart: Chart) -> dict:
    """The chart as a Vega-Lite dict for st.vega_lite_chart (no schema validation, no theme).
    A Figure's spec is its cached template (see dashboard/figure.py); an Altair chart is
    converted on every call."""
    # Canvas, not SVG (both paths): Streamlit picks SVG for small charts, and redrawing hundreds of
    # SVG nodes (the invisible tooltip points of each curve) dominated a slider move in the browser.
    return (chart if isinstance(chart, Figure) else Figure.from_altair(chart)).vega_lite()


def export_spec(chart: Chart) -> dict:
    """The chart's Vega-Lite spec, sized for a file: a width-less (page-wide) chart gets EXPORT_WIDTH."""
    spec = chart.inline() if isinstance(chart, Figure) else chart.to_dict()
    spec.pop("usermeta", None)
    spec.get("config", {}).pop("aria", None)  # a file keeps its marks' ARIA descriptions (screen readers)
    if spec.get("width", "container") == "container" and not any(key in spec for key in _COMPOUND):
        spec["width"] = EXPORT_WIDTH
    spec.setdefault("background", "white")
    return spec


def to_png(chart: Chart) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart), scale=PNG_SCALE, allowed_base_urls=[])


def to_svg(chart: Chart) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart), allowed_base_urls=[])


def _frames(chart) -> list[pd.DataFrame]:
    """The DataFrames a chart draws, its own and its layers' / panels', each once, in order."""
    found: list[pd.DataFrame] = []
    stack = [chart]
    while stack:
        node = stack.pop(0)
        data = getattr(node, "data", alt.Undefined)
        if isinstance(data, pd.DataFrame) and not any(data is seen for seen in found):
            found.append(data)
        for attr in ("layer", "hconcat", "vconcat", "concat"):
            stack.extend(getattr(node, attr, None) or [])
        inner = getattr(node, "spec", alt.Undefined)
        if inner is not alt.Undefined and not isinstance(inner, dict):
            stack.append(inner)
    return found


def chart_table(chart: Chart) -> pd.DataFrame:
    """The chart's data as one table; several frames (layers) are stacked with a `part` column."""
    if isinstance(chart, Figure):
        return chart.table()
    frames = _frames(chart)
    if len(frames) == 1:
        return frames[0]
    if not frames:
        return pd.DataFrame()
    return pd.concat([f.assign(part=k) for k, f in enumerate(frames)], ignore_index=True)


def to_csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False)


Table = pd.DataFrame | Callable[[], pd.DataFrame] | None


def table_of(chart: Chart, data: Table = None) -> pd.DataFrame:
    """What the CSV holds: `data` (a frame, or a callable making one) or else the chart's own data."""
    if data is None:
        return chart_table(chart)
    return data() if callable(data) else data


Shown = tuple  # (chart, data, language): what a download row gives, see export_ui


def csv_of(chart: Chart, data: Table, lang: str) -> str:
    """The CSV text, its labels in `lang` (a click's callable runs outside the visitor's script run)."""
    with speaking(lang):
        return to_csv(table_of(chart, data))


def export_ui(chart: Chart, name: str, data: Table = None, shown: Callable[[], Shown] | None = None) -> None:
    """PNG, SVG and CSV buttons in one row; nothing is computed until one is clicked.  The files are
    of `chart` and `data`, or, given `shown`, of whatever it returns at the click (dashboard/slots.py:
    a row drawn once, for a chart that a fragment redraws)."""
    if shown is None:
        fixed = (chart, data, language())
        shown = lambda: fixed  # noqa: E731
    files = {
        "png": (lambda: to_png(shown()[0]), "image/png"),
        "svg": (lambda: to_svg(shown()[0]), "image/svg+xml"),
        "csv": (lambda: csv_of(*shown()), "text/csv"),
    }
    with st.container(horizontal=True, gap="small"):
        for fmt, (make, mime) in files.items():
            st.download_button(
                fmt.upper(),
                make,
                file_name=f"{FILE_PREFIX}-{name}.{fmt}",
                mime=mime,
                key=f"export-{name}-{fmt}",
                help=t(f"export.{fmt}_help"),
                on_click="ignore",
                type="tertiary",
                icon=":material/download:",
            )
