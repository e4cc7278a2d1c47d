"""Every chart with its downloads: PNG and SVG of the chart itself, CSV of the data it draws.

Charts are drawn with `st.vega_lite_chart` from `vega_spec(chart)`: the Altair chart as a
Vega-Lite dict without Altair's JSON-schema validation, which is slow on a slider's path.  The
builders are validated against the schema in the tests instead (tests/test_export.py validates every
chart of every page).

The images are rendered on the server by vl-convert (Vega-Lite compiled and drawn in-process:
no browser, no network; `allowed_base_urls=[]` forbids any fetch), and only when a button is
clicked: the buttons hold callables, so a rerun costs three small widgets, not three renders.
The callables run outside the visitor's script run, so what they need of it (the language, the
page's settings) is read in the run.  Each image is headed by the chart's title and the page's
settings, which the file names say too (where they differ from the defaults).
"""

from __future__ import annotations

import re
from collections.abc import Callable

import altair as alt
import pandas as pd
import streamlit as st

from .figure import Figure
from .i18n import language, speaking, t
from .url import page_defaults

EXPORT_WIDTH = 720  # px of a chart that fills the page's width on screen ("container" has no size off-screen)
PNG_SCALE = 2.0  # 2x pixels: sharp on a projector or a slide
FILE_PREFIX = "gradient-lab"
# One sans-serif family for every glyph of a file, Latin, Greek and Hangul alike: with the default
# ("sans-serif") vl-convert drew Korean labels in a serif CJK fallback beside sans-serif Latin.
# Debian's fonts-noto-cjk (packages.txt, .ci/run); vl-convert falls back to its default where it is missing.
EXPORT_FONT = "Noto Sans CJK KR"
FILE_STEM = 160  # characters of a file name before its extension
_COMPOUND = ("hconcat", "vconcat", "concat", "facet", "repeat")
Chart = alt.TopLevelMixin | Figure  # what a download row exports: an Altair chart, or a template and its tables


def vega_spec(chart: Chart) -> dict:
    """The chart as a Vega-Lite dict for st.vega_lite_chart (no schema validation, no theme).
    A Figure's spec is its cached template (see dashboard/figure.py); an Altair chart is
    converted on every call."""
    # Canvas, not SVG (both paths): Streamlit picks SVG for small charts, and redrawing hundreds of
    # SVG nodes (the invisible tooltip points of each curve) dominated a slider move in the browser.
    return (chart if isinstance(chart, Figure) else Figure.from_altair(chart)).vega_lite()


def export_spec(chart: Chart, heading: dict | None = None) -> dict:
    """The chart's Vega-Lite spec, sized for a file: a width-less (page-wide) chart gets EXPORT_WIDTH.
    `heading` ({"text": ..., "subtitle": [lines]}, see heading_of) titles the file."""
    spec = chart.inline() if isinstance(chart, Figure) else chart.to_dict()
    spec.pop("usermeta", None)
    spec.get("config", {}).pop("aria", None)  # a file keeps its marks' ARIA descriptions (screen readers)
    if spec.get("width", "container") == "container" and not any(key in spec for key in _COMPOUND):
        spec["width"] = EXPORT_WIDTH
    spec.setdefault("background", "white")
    spec.setdefault("config", {})["font"] = EXPORT_FONT
    if heading:
        spec["title"] = {**heading, "anchor": "start", "subtitleColor": "#4b5563", "offset": 12}
    return spec


def to_png(chart: Chart, heading: dict | None = None) -> bytes:
    import vl_convert as vlc

    return vlc.vegalite_to_png(export_spec(chart, heading), scale=PNG_SCALE, allowed_base_urls=[])


def to_svg(chart: Chart, heading: dict | None = None) -> str:
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart, heading), allowed_base_urls=[])


SETTING_TEXT = 40  # characters of a text setting (a typed sentence) that a file's heading quotes
HEADING_LINE = 96  # characters per line of a file's settings


def setting_text(value) -> str:
    """A control's value as its link writes it: 0.9, 100, true, tanh; a long text cut and quoted."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and (len(value) > SETTING_TEXT or not value.isidentifier()):
        return '"' + (value[:SETTING_TEXT] + "…" if len(value) > SETTING_TEXT else value) + '"'
    return str(value)


def heading_of(title: str, settings: dict) -> dict:
    """A file's title and, under it, every setting of the page as `key=value` (the link's own keys, so
    `?key=value&...` opens the same view)."""
    parts = [t("export.app")] + [f"{key}={setting_text(value)}" for key, value in settings.items()]
    lines = [parts[0]]
    for part in parts[1:]:
        if len(lines[-1]) + 3 + len(part) > HEADING_LINE:
            lines.append(part)
        else:
            lines[-1] += " · " + part
    return {"text": title or t("export.app"), "subtitle": lines}


def file_stem(name: str, settings: dict, defaults: dict) -> str:
    """gradient-lab-<name>, then each setting that differs from its default, or has none (key-value): a
    file's name says what it shows.  Text settings (a typed sentence) are left out; at most FILE_STEM characters."""
    stem = f"{FILE_PREFIX}-{name}"
    for key, value in settings.items():
        if (key in defaults and value == defaults[key]) or (isinstance(value, str) and not value.isidentifier()):
            continue
        part = re.sub(r"[^A-Za-z0-9.+-]", "", setting_text(value))
        if part and len(stem) + len(key) + len(part) + 2 <= FILE_STEM:
            stem += f"_{key}-{part}"
    return stem


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


def csv_of(chart: Chart, data: Table, lang: str) -> str:
    """The CSV text, its labels in `lang` (a click's callable runs outside the visitor's script run)."""
    with speaking(lang):
        return to_csv(table_of(chart, data))


def export_ui(
    chart: Chart, name: str, data: Table = None, title: str = "", settings: dict | None = None, defaults=None
) -> None:
    """PNG, SVG and CSV buttons in one row; nothing is computed until one is clicked.  The images are
    headed by `title` and `settings` ({URL key: value}), which the file names say too where they differ
    from `defaults` (the page's, if not given)."""
    settings = settings or {}
    lang, heading = language(), heading_of(title, settings)
    stem = file_stem(name, settings, page_defaults() if defaults is None else defaults)
    files = {
        "png": (lambda: to_png(chart, heading), "image/png"),
        "svg": (lambda: to_svg(chart, heading), "image/svg+xml"),
        "csv": (lambda: csv_of(chart, data, lang), "text/csv"),
    }
    with st.container(horizontal=True, gap="small"):
        for fmt, (make, mime) in files.items():
            st.download_button(
                fmt.upper(),
                make,
                file_name=f"{stem}.{fmt}",
                mime=mime,
                key=f"export-{name}-{fmt}",
                help=t(f"export.{fmt}_help"),
                on_click="ignore",
                type="tertiary",
                icon=":material/download:",
            )
