"""A page is its controls plus a list of charts.

    lab_ui(controls_ui, [Chart("gradient", build, title="rnn.main_chart"), ...])

`controls_ui()` draws a widget group and returns its value (a frozen dataclass); each Chart's `build(value,
style)` returns a Section: the figure, the caption computed from its numbers, the table behind its CSV, and
optionally a coloured box over it and a row of numbers beside it.  lab_ui draws the frame once (each chart's
heading, text and an empty place), then runs the controls as a fragment that fills the places: a slider move
reruns and re-sends the controls and what they change, not the page around them.  In presenter mode the
controls sit beside the charts and the numbers go under each chart, so a chart and its controls share the
first screen.  Every chart gets its PNG/SVG/CSV row, headed and named by the page's settings; a setting that
drives a probe's state past float64 gets a notice in the chart's place instead.

`charts_ui(value, charts)` draws charts whose inputs the page has already read (no controls of their own).

Each element a move re-sends costs the browser time (about a millisecond each here), so a chart's frame is one
place, it holds only the slots the chart uses (`alert`, `numbers`), and text that depends only on the lab's choices
is a `note`, drawn once with the frame.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from core.probe import StateOverflow

from . import export
from .figure import Figure
from .frame import chart_style, lab_columns, presenter
from .i18n import t
from .url import page_settings

ALERTS = ("info", "success", "warning", "error")
METRICS_PER_ROW = 3  # in presenter mode, where the numbers sit under a chart in the wide column


@dataclass(frozen=True)
class Section:
    """What a chart's builder returns, built together (the caption reads the figure's numbers).  Shared by
    every session that draws the same setting (figure.memo): never changed after it is built."""

    figure: Figure | None  # None: numbers and a caption only
    caption: str = ""
    table: Callable[[], pd.DataFrame] | None = None  # the CSV, built when clicked; None: the figure's own tables
    alert: tuple[str, str] | None = None  # (one of ALERTS, text): a coloured box over the chart
    metrics: tuple[tuple[str, str], ...] = ()  # (label, value): numbers beside the chart
    settings: dict | None = None  # what the downloads say it was drawn at, where not the page's controls (a job's)


@dataclass(frozen=True)
class Chart:
    """One chart of a page: `build(value, style) -> Section` with the controls' value and the chart style.
    A move re-sends each place of a chart's frame, so the frame has only those the chart uses: a box over it
    where `alert`, and `numbers` places for its Section's metrics."""

    name: str  # the downloads' file names: unique on a page
    build: Callable[[Any, Any], Section]
    title: str = ""  # locale key of its heading, which heads the downloaded images too
    intro: str = ""  # locale key of text over the chart (under it in presenter mode)
    width: str = "stretch"  # or "content": the chart's own width
    alert: bool = False  # a coloured box over the chart (Section.alert)
    numbers: int = 0  # how many numbers (Section.metrics) it shows beside the chart
    note: Callable[[Any], str] | None = None  # text under it from the lab's choices only: drawn once, not re-sent


class _ChartFrame:
    """A chart's frame, drawn once: heading, text, and one empty place for all that a move changes (two in
    presenter mode, where the numbers go under the note).  A fragment re-sends each outside place it fills with a
    block of its own, so one place a chart, not one a thing in it, is what keeps a move's messages few.  What the
    place holds keeps its order and count on every run (an empty slot where a run has nothing to show), so that
    the chart stays at the same place and the browser swaps its data instead of drawing it anew."""

    def __init__(self, chart: Chart, heading: str, choices=None):
        self.chart, self.heading = chart, heading
        if chart.title:
            st.subheader(t(chart.title))
        if chart.intro and not presenter():
            st.markdown(t(chart.intro))
        self.body = st.empty()
        if chart.note is not None:
            st.caption(chart.note(choices))
        self.under = st.empty() if presenter() and chart.numbers else None  # so that the chart is on the first screen
        if chart.intro and presenter():
            st.markdown(t(chart.intro))

    def fill(self, value, style) -> None:
        try:
            section = self.chart.build(value, style)
        except StateOverflow:  # no chart at this setting: the notice in its place
            section = None
        metrics = section.metrics if section is not None else ()
        with self.body.container():
            if self.chart.alert:
                if section is not None and section.alert:
                    kind, text = section.alert
                    getattr(st, kind)(text)
                else:
                    st.empty()
            if self.under is None:
                _numbers(self.chart.numbers, metrics)
            if section is None:
                st.warning(t("common.overflow"))
                st.empty()
            elif section.figure is None:
                st.empty()
                st.empty()
            else:
                st.vega_lite_chart(spec=export.vega_spec(section.figure), width=self.chart.width)
                settings = page_settings() if section.settings is None else section.settings
                export.export_ui(section.figure, self.chart.name, section.table, self.heading, settings)
            if section is not None and section.caption:
                st.caption(section.caption)
            else:
                st.empty()
        if self.under is not None:
            with self.under.container():
                _numbers(self.chart.numbers, metrics)


def _numbers(count: int, metrics) -> None:
    """`count` numbers side by side (rows of at most METRICS_PER_ROW in presenter mode), an empty slot for each
    that this run has not: one horizontal box a row."""
    per_row = METRICS_PER_ROW if presenter() else max(count, 1)
    slots = [*metrics[:count], *[None] * (count - len(metrics))]
    for start in range(0, count, per_row):
        with st.container(horizontal=True, gap="medium"):
            for slot in slots[start : start + per_row]:
                if slot is None:
                    st.empty()
                else:
                    st.metric(*slot)


def _frame(charts: list[Chart], title: str, choices=None) -> list[_ChartFrame]:
    return [_ChartFrame(chart, t(chart.title or title) if (chart.title or title) else "", choices) for chart in charts]


def lab_ui(
    controls_ui: Callable[..., Any],
    charts: list[Chart] | Callable[[Any], list[Chart]],
    title: str = "",
    intro: str = "",
    choices_ui: Callable[[], Any] | None = None,
):
    """A lab: its heading and text (locale keys, optional), its controls in a box (beside the charts in
    presenter mode) and its charts, which a move of the controls redraws.

    `choices_ui`, where given, draws the choices that change the lab's frame (which chart it shows, which
    controls it has): they head the box, a change reruns the page, and their value is passed to
    `controls_ui(choices)` and to `charts(choices)` where `charts` is a function.  Returns the choices."""
    if title:
        st.subheader(t(title))
    if intro:
        st.markdown(t(intro))
    left, right = lab_columns()
    with left:
        box = st.container(border=True)
    choices = None
    if choices_ui is not None:
        with box:
            choices = choices_ui()
        controls_ui = functools.partial(controls_ui, choices)
    with right:
        places = _frame(charts(choices) if callable(charts) else charts, title, choices)
    with box:
        st.fragment(_run)(controls_ui, places)
    return choices


def _run(controls_ui: Callable[[], Any], places: list[_ChartFrame]) -> None:
    value, style = controls_ui(), chart_style()
    for place in places:
        place.fill(value, style)


def charts_ui(value, charts: list[Chart]) -> None:
    """Charts at inputs the page has read already (`value`), drawn in the page's run."""
    style = chart_style()
    for place in _frame(charts, "", value):
        place.fill(value, style)
