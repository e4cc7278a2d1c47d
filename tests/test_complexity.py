"""Vaswani Table 1 measured: local attention is attention, path lengths are exact, slopes fit."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from core.complexity import (
    LAYER_KINDS,
    dilated_conv_reaches,
    fastest,
    fitted_slopes,
    local_attention,
    local_attention_reach,
    max_path_length,
    sequential_operations,
    slope_range,
    time_per_layer,
)
from core.models.transformer import window_mask


@pytest.mark.parametrize("n,r", [(1, 1), (7, 3), (50, 4), (64, 64)])
def test_local_attention_equals_masked_full_attention(n, r):
    x = torch.randn(n, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(n))
    scores = (x @ x.T / math.sqrt(8)).masked_fill(
        window_mask(n, r) if r else torch.zeros(n, n, dtype=bool), float("-inf")
    )
    assert torch.allclose(local_attention(x, r), torch.softmax(scores, -1) @ x, atol=1e-12)


@pytest.mark.parametrize("n", [2, 16, 100, 257, 1000])
def test_path_lengths_are_the_papers_and_exact(n):
    k, r = 3, 8
    assert max_path_length("recurrent", n, k, r) == n
    assert max_path_length("self-attention", n, k, r) == 1
    assert max_path_length("restricted self-attention", n, k, r) == max(1, math.ceil((n - 1) / (r - 1)))
    assert max_path_length("convolutional", n, k, r) == max(1, math.ceil(math.log(n, k) - 1e-9))
    assert max_path_length("linear recurrence (scan)", n, k, r) == math.ceil(math.log2(n))  # rounds of the scan


def _reverse_mode_columns(n: int, r: int, layers: int) -> list[torch.Tensor]:
    """∂h_l[n − 1]/∂x[0] after each layer l, by one reverse-mode pass per depth (the reference)."""
    x = torch.randn(n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0), requires_grad=True)
    columns, h = [], x
    for _ in range(layers):
        h = local_attention(h, r)
        rows = [torch.autograd.grad(h[-1, i], x, retain_graph=True)[0][0] for i in range(4)]
        columns.append(torch.stack(rows))  # (output feature, input feature)
    return columns


@pytest.mark.parametrize("n,r,layers", [(50, 8, 8), (30, 2, 30), (9, 9, 2), (1, 3, 1)])
def test_forward_mode_reach_is_reverse_mode_autograd(n, r, layers):
    """The one-pass forward-mode check says what reverse-mode gradients say, at every depth, and its
    tangent is the same Jacobian column (so a zero is a true zero, not a forward-mode artefact)."""
    reverse = _reverse_mode_columns(n, r, layers)
    assert local_attention_reach(n, r, layers) == [bool(col.abs().sum() > 0) for col in reverse]
    x = torch.randn(n, 4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for i in range(4):  # the tangent of input feature i, through every layer
        tangent = torch.zeros_like(x)
        tangent[0, i] = 1.0
        with torch.autograd.forward_ad.dual_level():
            h = torch.autograd.forward_ad.make_dual(x, tangent)
            for col in reverse:
                h = local_attention(h, r)
                torch.testing.assert_close(torch.autograd.forward_ad.unpack_dual(h).tangent[-1], col[:, i])


def test_reach_checks_are_sharp():
    assert local_attention_reach(50, 8, 7)[-1] and not local_attention_reach(50, 8, 6)[-1]  # 7·7 = 49 ≥ 49 > 42
    assert local_attention_reach(50, 8, 9) == [False] * 6 + [True] * 3  # once reached, reached at every depth
    assert dilated_conv_reaches(27, 3, 3) and not dilated_conv_reaches(28, 3, 3)  # 3 layers reach 27 inputs


def test_sequential_operations():
    assert [sequential_operations(k, 300) for k in LAYER_KINDS] == [300, 1, 1, 1, 9]  # the scan: ⌈log₂ 300⌉


@pytest.mark.parametrize("n", [2, 3, 17, 1024, 1025])
def test_the_scans_reach_is_sharp(n):
    from core.complexity import scan_reaches

    rounds = math.ceil(math.log2(n))
    assert scan_reaches(n, rounds) and not scan_reaches(n, rounds - 1)


def test_fitted_slopes_recover_known_powers():
    ns = np.array([512, 1024, 2048, 4096])
    timings = pd.concat(
        [
            pd.DataFrame({"kind": kind, "n": ns, "seconds": 1e-6 * ns**p})
            for kind, p in zip(LAYER_KINDS, (1, 2, 1, 1.5, 1.2), strict=True)
        ]
    )
    slopes = fitted_slopes(timings)
    assert slopes == pytest.approx(dict(zip(LAYER_KINDS, (1, 2, 1, 1.5, 1.2), strict=True)))


def test_time_per_layer_measures_every_kind_and_run():
    timings = time_per_layer(ns=(16, 64), repeats=2)
    assert set(timings["kind"]) == set(LAYER_KINDS) and (timings["seconds"] > 0).all() and len(timings) == 20
    best = fastest(timings)
    assert len(best) == 10
    merged = best.merge(timings.groupby(["kind", "n"])["seconds"].min().rename("low").reset_index())
    assert (merged["seconds"] == merged["low"]).all()


def test_slope_range_brackets_each_run_and_the_fastest_fit_is_the_fit_of_the_minimum():
    ns = np.array([512, 1024, 2048, 4096])
    runs = []
    for run, p in enumerate((1.9, 2.0, 2.1)):
        runs.append(pd.DataFrame({"kind": "self-attention", "n": ns, "run": run, "seconds": 1e-9 * ns**p}))
    timings = pd.concat(runs)
    assert slope_range(timings)["self-attention"] == pytest.approx((1.9, 2.1))
    # the fastest at every n here is run 0 at n ≥ 512 (1e-9·n^1.9 < n^2 < n^2.1)
    assert fitted_slopes(timings)["self-attention"] == pytest.approx(1.9)


def test_path_lengths_computed_by_several_threads_at_once_do_not_collide():
    """#20 soak: two visitors asking Table 1 for different n at once raised "Nested forward mode AD is not
    supported" (forward-mode AD has one dual level per process); each thread's answer must match a lone run."""
    import threading

    from core.complexity import max_path_length

    ns = (64, 128, 256, 512, 96, 192)
    alone = {n: max_path_length("restricted self-attention", n) for n in ns}
    results, errors, start = {}, [], threading.Barrier(len(ns))

    def run(n):
        start.wait()
        try:
            results[n] = max_path_length("restricted self-attention", n)
        except Exception as err:  # noqa: BLE001 - any error is the failure under test
            errors.append(repr(err))

    threads = [threading.Thread(target=run, args=(n,)) for n in ns]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == alone
