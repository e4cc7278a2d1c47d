"""A page's heaviest slider move in ordinary Streamlit, for benchmarks/app_speed.py: the floor's
1000-point Altair line once for each chart the move redraws, each with a row of three download buttons
and a caption, beside the same controls and numbers, drawn the ordinary way (st.altair_chart, the whole
script rerun).  What Streamlit's frontend itself costs such a move, measured beside the floor:

    streamlit run benchmarks/replica_app.py      # then open /?page=comeback (or retrieval)
"""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

SHAPES = {  # page: (sliders, a text area, charts, numbers) that its slider move re-sends
    "comeback": (5, False, 2, 0),  # RNNs came back: five sliders; the gradient and the eigenvalues
    "retrieval": (1, True, 3, 3),  # Retrieval: the passage and the gap; three charts and three numbers
}
sliders, text, charts, numbers = SHAPES[st.query_params.get("page", "comeback")]

with st.container(border=True):
    if text:
        st.text_area("passage", "In the beginning God created the heaven and the earth.")
    columns = st.columns(min(sliders, 3))
    value = columns[0].slider("x", 0, 100, 50)
    for i in range(1, sliders):
        columns[i % 3].slider(f"setting {i}", 0, 100, 50, help="A setting the move leaves as it is.")
if numbers:
    with st.container(horizontal=True, gap="medium"):
        for i in range(numbers):
            st.metric(f"number {i}", f"{value * (i + 1) / 7:.2f}")
x = np.arange(1000)
for c in range(charts):
    line = pd.DataFrame({"x": x, "y": np.sin(x / (5.0 + value + c))})
    st.altair_chart(alt.Chart(line).mark_line().encode(x="x:Q", y="y:Q"), width="stretch")
    with st.container(horizontal=True, gap="small"):
        for fmt in ("png", "svg", "csv"):
            st.download_button(
                fmt.upper(),
                lambda: "x",
                file_name=f"chart-{c}.{fmt}",
                on_click="ignore",
                type="tertiary",
                icon=":material/download:",
                help=f"The chart as {fmt.upper()}.",
            )
    st.caption(f"Chart {c}: at x = {value} the line crosses zero {int(1000 / (np.pi * (5.0 + value + c)))} times.")
