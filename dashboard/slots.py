"""Places that a fragment fills: a page's fixed text is drawn once, and a slider move re-sends only
what the move changes.

A fragment rerun re-sends every element the fragment draws, changed or not, and the browser
redraws each one (measured in README, "Speed": about a millisecond per element per move).  So a
page draws its frame in the full run: headings, fixed captions, download rows, and an empty place
(st.empty) for each thing a slider changes; its fragment holds only the controls, and fills the
places.  Streamlit's rule for this: a fragment must write to every outside place it fills on every
full run too (it reserves the place), so each place is filled on every run of its fragment.

A download row drawn once must still give the chart drawn now: its buttons read a per-session
record that `ChartSlot.draw` swaps in one assignment (chart, the CSV's table, the language).
"""

from __future__ import annotations

import streamlit as st

from . import export
from .export import Chart, Shown, Table, export_ui
from .i18n import language

SHOWN_KEY = "_shown"  # session state: chart name -> _Shown, what that chart's download row gives


class _Shown:
    """What one download row gives, replaced whole by each draw (a click may come at any time)."""

    def __init__(self):
        self.value: Shown = (None, None, "en")

    def __call__(self) -> Shown:
        return self.value


class ChartSlot:
    """A chart's place, its download row (drawn now, once) and its caption: a place for
    `draw(caption=...)` (caption None), fixed text (a str), or none at all (False).
    `name` makes the file names and must be unique on a page."""

    def __init__(self, name: str, width: str = "stretch", caption: str | bool | None = None):
        self.width = width
        self.chart = st.empty()
        self.shown = st.session_state.setdefault(SHOWN_KEY, {}).setdefault(name, _Shown())
        export_ui(None, name, shown=self.shown)
        self.caption = st.empty() if caption is None else None
        if isinstance(caption, str):
            st.caption(caption)

    def draw(self, chart: Chart, data: Table = None, caption: str = "") -> None:
        """Draw `chart` in the place; the downloads now give it (and `data`, for the CSV)."""
        self.shown.value = (chart, data, language())
        self.chart.vega_lite_chart(spec=export.vega_spec(chart), width=self.width)
        if self.caption is None:
            return
        if caption:
            self.caption.caption(caption)
        else:
            self.caption.empty()


def chart_ui(chart: Chart, name: str, data: Table = None, width: str = "stretch") -> None:
    """Draw a chart that no fragment redraws, with its download row: the same draw as ChartSlot's.
    `name` makes the file names and must be unique on a page; `data` replaces the chart's own data in
    the CSV (e.g. every point of a thinned curve)."""
    ChartSlot(name, width, caption=False).draw(chart, data)
