"""The floor for page responsiveness: a trivial one-slider page, measured in the same run."""

import streamlit as st

value = st.slider("x", 0, 100, 50)
st.write(f"x = {value}")
