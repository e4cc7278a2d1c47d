"""core/parallel.py: the longest chain in an autograd graph, on hand-built graphs and on the two models: it grows
with the window for the LSTM and with the layers, not the window, for the Transformer."""

import math

import pytest
import torch

from core.parallel import chain, chain_length, model_for, throughput


def test_a_chain_of_n_operations_is_n_nodes_plus_the_leaf():
    x = torch.ones(3, requires_grad=True)
    y = x
    for _ in range(7):
        y = y * 2.0
    assert chain_length(y) == 8  # seven MulBackward and x's AccumulateGrad


def test_parallel_branches_count_once_the_longest():
    x = torch.ones(3, requires_grad=True)
    long = ((x * 2.0).exp() * 3.0).sin()  # four operations
    short = x * 5.0  # one
    assert chain_length(long + short) == 1 + 4 + 1  # the sum, the long branch, the leaf
    assert chain_length(torch.ones(2)) == 0  # no graph


def test_a_deep_chain_does_not_overflow_the_stack():
    x = torch.ones(1, requires_grad=True)
    y = x
    for _ in range(5000):
        y = y + 1.0
    assert chain_length(y) == 5001


def test_the_lstms_chain_grows_by_the_same_amount_for_every_character():
    lengths = {t: chain("lstm", t) for t in (8, 16, 32)}
    per_char = (lengths[16] - lengths[8]) / 8
    assert per_char >= 2  # each of 2 layers adds at least one operation a character
    assert lengths[32] - lengths[16] == pytest.approx(16 * per_char)


def test_the_transformers_chain_is_the_same_at_every_window_and_grows_with_its_layers():
    assert chain("transformer-pre", 8) == chain("transformer-pre", 64) == chain("transformer-pre", 200)
    by_layers = [chain("transformer-pre", 16, layers) for layers in (1, 2, 3)]
    assert by_layers[1] - by_layers[0] == by_layers[2] - by_layers[1] > 0


def test_the_two_models_are_matched_in_parameters():
    counts = [sum(p.numel() for p in model_for(name, 64).parameters()) for name in ("lstm", "transformer-pre")]
    assert abs(counts[0] - counts[1]) / counts[1] < 0.02


def test_throughput_is_a_positive_rate_and_restores_the_thread_count():
    before = torch.get_num_threads()
    rate = throughput("lstm", 16, threads=1, repeats=1)
    assert math.isfinite(rate) and rate > 0
    assert torch.get_num_threads() == before
