"""A second, stricter reference: one slider and one line of text, no chart (the floor that
benchmarks/app_speed.py used before it followed SCIENCE.md's calibration); reported beside it."""

import streamlit as st

value = st.slider("x", 0, 100, 50)
st.write(f"x = {value}")
