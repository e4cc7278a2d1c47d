"""A timeline: one row per paper, in date order, placed at its first public version, coloured by family."""

from __future__ import annotations

import altair as alt
import pandas as pd

from .style import Style, vega_config

FAMILY_COLORS = ("#7c3aed", "#059669", "#e07b00", "#1f5fbf", "#0891b2")
NOTES_LEFT_FROM = 2021  # papers from this year on have their note on the left of the point


def timeline_chart(data: pd.DataFrame, families: list[str], labels: dict, style: Style) -> alt.LayerChart:
    """`data` (core.lineage.lineage_frame) with `family_label` and `note` in the visitor's language;
    `families`: the family labels in legend order."""
    base = alt.Chart(data).encode(
        x=alt.X(
            "date:Q",
            title=labels["axis_year"],
            scale=alt.Scale(domain=[2014, 2024.6], nice=False),
            axis=alt.Axis(format="d", tickCount=11),
        ),
        y=alt.Y(
            "name:N",
            title=None,
            sort=list(data.sort_values("date")["name"]),
            axis=alt.Axis(labelLimit=320, labelOverlap=False),
        ),
        color=alt.Color("family_label:N", title=None, scale=alt.Scale(domain=families, range=list(FAMILY_COLORS))),
        tooltip=[
            alt.Tooltip("name:N", title=labels["tt_model"]),
            alt.Tooltip("year:Q", title=labels["axis_year"]),
            alt.Tooltip("family_label:N", title=labels["tt_family"]),
            alt.Tooltip("note:N", title=" "),
        ],
    )
    points = base.mark_circle(size=style.marker_size, opacity=0.95)
    size = style.note_font_size
    # notes to the right of the point, except near the axis's end, where they go to its left so none is clipped
    right = base.transform_filter(f"datum.date < {NOTES_LEFT_FROM}").mark_text(align="left", dx=10, fontSize=size)
    left = base.transform_filter(f"datum.date >= {NOTES_LEFT_FROM}").mark_text(align="right", dx=-10, fontSize=size)
    notes = [layer.encode(text=alt.Text("note:N")) for layer in (right, left)]
    return alt.layer(points, *notes, height=style.row_height * len(data), config=vega_config(style))
