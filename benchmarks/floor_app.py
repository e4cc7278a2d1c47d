"""The floor for page responsiveness, as SCIENCE.md's calibration defines it: a trivial page with
one slider and a 1000-point Altair line that the slider changes, drawn the ordinary way
(st.altair_chart).  Measured in the same run as the pages (benchmarks/app_speed.py)."""

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

value = st.slider("x", 0, 100, 50)
x = np.arange(1000)
line = pd.DataFrame({"x": x, "y": np.sin(x / (5.0 + value))})
st.altair_chart(alt.Chart(line).mark_line().encode(x="x:Q", y="y:Q"), width="stretch")
