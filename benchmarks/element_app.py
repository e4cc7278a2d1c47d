"""A one-slider page plus N elements of one kind (GL_ELEMENT_KIND, GL_ELEMENT_COUNT), for
benchmarks/elements.py: what each kind of Streamlit element adds to a slider move."""

import os

import streamlit as st

KIND = os.environ.get("GL_ELEMENT_KIND", "none")
COUNT = int(os.environ.get("GL_ELEMENT_COUNT", "30")) if KIND != "none" else 0

value = st.slider("x", 0, 100, 50)
for i in range(COUNT):
    if KIND == "markdown":  # text that changes with the slider
        st.markdown(f"A **markdown** paragraph, number {i}, that says the slider is at {value}.")
    elif KIND == "static markdown":
        st.markdown(f"A **markdown** paragraph, number {i}, that does not change.")
    elif KIND == "caption":
        st.caption(f"Caption {i}: the slider is at {value}.")
    elif KIND == "subheader":
        st.subheader(f"Section {i}")
    elif KIND == "metric":
        st.metric(f"metric {i}", f"{value * i:.3f}")
    elif KIND == "download button":
        st.download_button(f"CSV {i}", lambda: "x", file_name="x.csv", key=f"d{i}", on_click="ignore", type="tertiary")
    elif KIND == "columns (3)":
        st.columns(3)[0].write(f"{i}")
