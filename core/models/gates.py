"""Gate functions and their derivatives, accurate in float64 when saturated.

1 - tanh(a)² and σ(a)(1 - σ(a)) lose all digits once the gate saturates (tanh(20) rounds to 1);
the forms here keep full relative precision down to 1e-300, so a nearly closed gate contributes
its true tiny factor instead of an exact 0.
"""

import numpy as np


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * a))


def sigmoid_derivative(a: np.ndarray) -> np.ndarray:
    """σ'(a) = e^{-|a|} / (1 + e^{-|a|})²."""
    e = np.exp(-np.abs(a))
    return e / (1.0 + e) ** 2


def tanh_derivative(a: np.ndarray) -> np.ndarray:
    """tanh'(a) = sech²(a) = 4e^{-2|a|} / (1 + e^{-2|a|})²."""
    e = np.exp(-2.0 * np.abs(a))
    return 4.0 * e / (1.0 + e) ** 2
