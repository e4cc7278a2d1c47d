"""Transformers in depth (core/transformer_depth.py, #23): our post- and pre-norm layers against
torch.nn.TransformerEncoderLayer, the gradient at every layer against float64 central differences,
and what Xiong et al. (2020) describe at initialisation."""

import numpy as np
import pytest
import torch

from core.models.transformer import sinusoidal_encoding
from core.probe import make_inputs, make_readout
from core.transformer_depth import MAX_LAYERS, build_stack, transformer_gradient_by_layer


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_our_layers_are_torchs_own_transformer_encoder_layer(norm):
    ours = build_stack(3, norm, width=32, heads=4, seed=1)
    x = torch.randn(2, 10, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for layer in ours:
        theirs = torch.nn.TransformerEncoderLayer(
            32, 4, dim_feedforward=64, dropout=0.0, activation="gelu", batch_first=True, norm_first=norm == "pre"
        ).double()
        theirs.self_attn.load_state_dict(layer.attn.state_dict())
        theirs.linear1.load_state_dict(layer.ff[0].state_dict())
        theirs.linear2.load_state_dict(layer.ff[2].state_dict())
        theirs.norm1.load_state_dict(layer.norm1.state_dict())
        theirs.norm2.load_state_dict(layer.norm2.state_dict())
        theirs.eval()
        want = theirs(x)
        got, _ = layer(x)
        torch.testing.assert_close(got, want, rtol=1e-10, atol=1e-10)
        x = got.detach()


def _loss_from(stack, layer_index, h, norm, r):
    for layer in list(stack)[layer_index:]:
        h, _ = layer(h)
    top = h[0, -1]
    return float(r @ (torch.nn.functional.layer_norm(top, top.shape) if norm == "pre" else top))


def _central(stack, index, h, v, norm, r, eps):
    return (_loss_from(stack, index, h + eps * v, norm, r) - _loss_from(stack, index, h - eps * v, norm, r)) / (2 * eps)


@pytest.mark.parametrize("norm", ["pre", "post"])
def test_every_layers_gradient_matches_central_differences(norm):
    """⟨∂ℓ/∂h_l, v⟩ against (ℓ(h_l + εv) − ℓ(h_l − εv)) / 2ε for random v, at every layer l; and the
    gradient's norm is that of the vector these directional derivatives sample (checked at full rank on l = 0)."""
    L, T, d = 4, 6, 16
    stack = build_stack(L, norm, width=d, heads=2, seed=3)
    x = make_inputs(T, d, 1.0, 3) + sinusoidal_encoding(T, d, torch.float64)
    r = make_readout(d, 3)
    hidden = [x[None]]
    with torch.no_grad():
        for layer in stack:
            hidden.append(layer(hidden[-1])[0])
    gen = torch.Generator().manual_seed(9)
    got = transformer_gradient_by_layer(L, norm, seq_len=T, width=d, heads=2, seed=3)["grad_norm"].to_numpy()
    eps = 1e-6
    with torch.no_grad():
        for index, h in enumerate(hidden):
            grad = np.empty(h.numel())
            basis = torch.eye(h.numel(), dtype=torch.float64) if index == 0 else None
            directions = basis if basis is not None else torch.randn(4, h.numel(), dtype=torch.float64, generator=gen)
            for k, v in enumerate(directions):
                v = v.reshape(h.shape)
                grad[k] = _central(stack, index, h, v, norm, r, eps)
            if basis is not None:  # every coordinate: the whole gradient
                assert np.linalg.norm(grad) == pytest.approx(got[0], rel=1e-6)
    # the other layers: compare directional derivatives with autograd's vectors
    hs = [x[None].clone().requires_grad_()]
    for layer in stack:
        h, _ = layer(hs[-1])
        h.retain_grad()
        hs.append(h)
    top = hs[-1][0, -1]
    (r @ (torch.nn.functional.layer_norm(top, (d,)) if norm == "pre" else top)).backward()
    with torch.no_grad():
        for index, h in enumerate(hs):
            assert float(h.grad.norm()) == pytest.approx(got[index], rel=1e-12)
            v = torch.randn(h.shape, dtype=torch.float64, generator=gen)
            numeric = _central(stack, index, h, v, norm, r, eps)
            assert float((h.grad * v).sum()) == pytest.approx(numeric, rel=1e-5, abs=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_post_norm_loses_gradient_toward_the_input_where_pre_norm_does_not(seed):
    """Xiong et al. 2020 at initialisation: post-norm's gradient is largest near the output, pre-norm's
    about the same at every layer (its identity path passes every layer untouched)."""
    post = transformer_gradient_by_layer(MAX_LAYERS, "post", seed=seed)["log10_grad_norm"].to_numpy()
    pre = transformer_gradient_by_layer(MAX_LAYERS, "pre", seed=seed)["log10_grad_norm"].to_numpy()
    assert post[-1] == pytest.approx(0, abs=1e-12)  # ∂ℓ/∂h_L = r
    assert post[0] < post[-1] - 0.2  # at least a factor 10^0.2 lost over 24 post-norm layers
    assert pre[0] >= pre[-1] - 1e-9  # pre-norm: no loss toward the input
    assert np.ptp(pre) < 0.3 and pre[0] > post[0]


def test_the_pre_norm_top_gradient_is_the_final_layernorms_backward():
    """ℓ = r·LN(h): ∂ℓ/∂h = (1/σ)(I − 11ᵀ/d − ĥĥᵀ/d) r at the last position (σ the position's
    spread, ĥ its normalised values), zero elsewhere: so the top layer's gradient is ‖(I − …) r‖/σ ≤ 1/σ."""
    T, d, L = 8, 64, 5
    stack = build_stack(L, "pre", seed=2)
    h = make_inputs(T, d, 1.0, 2) + sinusoidal_encoding(T, d, torch.float64)
    with torch.no_grad():
        for layer in stack:
            h = layer(h[None])[0][0]
    last = h[-1]
    sigma = torch.sqrt(last.var(unbiased=False) + 1e-5)
    hat = (last - last.mean()) / sigma
    r = make_readout(d, 2)
    projected = r - r.mean() - hat * (hat @ r) / d
    expected = float(projected.norm() / sigma)
    got = transformer_gradient_by_layer(L, "pre", seq_len=T, seed=2)["grad_norm"].iloc[-1]
    assert got == pytest.approx(expected, rel=1e-4)  # exact for ε = 0; ε = 1e-5 moves it less than that


@pytest.mark.parametrize(
    "kwargs,field",
    [
        ({"layers": 0}, "layers"),
        ({"layers": 25}, "layers"),
        ({"norm": "sandwich"}, "norm"),
        ({"seq_len": 1}, "seq_len"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, field):
    args = {"layers": 2, "norm": "pre", **kwargs}
    with pytest.raises(ValueError, match=field):
        transformer_gradient_by_layer(**args)
