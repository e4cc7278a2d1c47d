"""Gradient Lab's core: models, probes and theory in pure PyTorch, NumPy and pandas.

Nothing here imports streamlit, so the CLI (`python -m core ...`), the tests and the
dashboard all share one implementation.  Importing has no side effects.
"""
