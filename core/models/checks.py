"""Argument checks shared by the model configs: one-line ValueErrors naming the field."""

import math

import numpy as np


def check_int(name, value, lo, hi):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not lo <= value <= hi:
        raise ValueError(f"{name} must be a whole number from {lo} to {hi}, got {value!r}")


def check_float(name, value, lo, hi):
    ok = not isinstance(value, bool) and isinstance(value, (int, float, np.floating, np.integer))
    if not (ok and math.isfinite(value) and lo <= value <= hi):
        raise ValueError(f"{name} must be a number from {lo} to {hi}, got {value!r}")


def check_choice(name, value, choices):
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
