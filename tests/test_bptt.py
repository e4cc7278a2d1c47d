"""core/bptt.py, backpropagation through time by hand, against float64 torch.autograd through the same model."""

import copy

import numpy as np
import pytest
import torch

from core.book import load_book
from core.bptt import input_gradient
from core.lm import CharLM, LMConfig, load_lm


def _autograd(model: CharLM, inputs: np.ndarray, target: int) -> np.ndarray:
    double = copy.deepcopy(model).double()
    x = double.embed(torch.from_numpy(inputs[None, :])).detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(torch.log_softmax(double.forward_embedded(x)[0, -1], -1)[target], x)
    return grad[0].numpy()


@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_the_input_gradient_is_autograds_for_random_weights(model, layers):
    torch.manual_seed(layers)
    net = CharLM(LMConfig(model=model, layers=layers, embedding=6, hidden=10))
    for p in net.parameters():  # away from the initial scale: saturated gates, large biases
        p.data = 1.5 * torch.randn_like(p)
    inputs = np.random.default_rng(layers).integers(0, 65, 40)
    expected = _autograd(net, inputs, 7)
    got = input_gradient(net, inputs, 7)
    assert got.shape == (40, 6)
    np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12 * np.abs(expected).max())


@pytest.mark.parametrize("model", ["lstm", "gru"])
def test_the_input_gradient_is_autograds_on_the_shipped_model_1000_characters_back(model):
    """Where float32 would underflow: each position's gradient norm, down to the smallest, to 1e-9."""
    net = load_lm(f"data/lm/{model}.pt")[0]
    ids = load_book().held_out_ids[2_000:3_001]
    got = np.linalg.norm(input_gradient(net, ids[:-1], int(ids[-1])), axis=1)
    expected = np.linalg.norm(_autograd(net, ids[:-1], int(ids[-1])), axis=1)
    assert expected.min() > 0
    np.testing.assert_allclose(got, expected, rtol=1e-9)


def test_a_one_character_input_and_a_transformer():
    net = CharLM(LMConfig(model="gru", embedding=4, hidden=5))
    np.testing.assert_allclose(input_gradient(net, np.array([3]), 2), _autograd(net, np.array([3]), 2), rtol=1e-9)
    with pytest.raises(ValueError, match="LSTM or nn.GRU"):
        input_gradient(CharLM(LMConfig(model="transformer", d_model=16, heads=2)), np.array([1, 2]), 0)
