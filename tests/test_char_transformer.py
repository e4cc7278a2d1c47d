"""The character Transformer (core/char_transformer.py) against a plain loop over positions and heads, in float64,
for each position scheme; eval mode against train mode; what ALiBi and RoPE depend on."""

import math

import pytest
import torch

from core import char_transformer
from core.char_transformer import NORMS, POSITIONS, CharTransformer, alibi_slopes, causal_bias, rotate
from core.lm import CharLM, LMConfig


def _loop_forward(net: CharTransformer, x: torch.Tensor) -> torch.Tensor:
    """The same network written one query, one head and one key at a time (x: T × d, float64)."""
    n, d = x.shape
    heads = net.heads
    dh = d // heads
    slopes = [2.0 ** (-8.0 * (h + 1) / heads) for h in range(heads)]
    if net.position == "learned":
        x = x + net.positions.weight[:n]

    def rope(vector, pos):  # rotate each pair (2k, 2k+1) by pos · 10000^(−2k/dh)
        out = vector.clone()
        for k in range(0, dh, 2):
            angle = pos * 10000.0 ** (-k / dh)
            c, s = math.cos(angle), math.sin(angle)
            out[k], out[k + 1] = vector[k] * c - vector[k + 1] * s, vector[k] * s + vector[k + 1] * c
        return out

    post = not net.blocks[0].pre
    for block in net.blocks:
        normed = x if post else block.norm1(x)
        qkv = normed @ block.qkv.weight.T + block.qkv.bias
        mixed = torch.zeros(n, d, dtype=x.dtype)
        for h in range(heads):
            cols = slice(h * dh, (h + 1) * dh)
            q, k, v = qkv[:, cols], qkv[:, d + h * dh : d + (h + 1) * dh], qkv[:, 2 * d + h * dh : 2 * d + (h + 1) * dh]

            # each key: rotated where RoPE is the scheme; smeared, σ(s)·k_j + (1 − σ(s))·k_{j−1} with k_{−1} = k_0
            plain = [rope(k[j], j) if net.position == "rope" else k[j] for j in range(n)]
            keep = 1.0 if block.smear is None else 1 / (1 + math.exp(-float(block.smear[h])))
            keys = [keep * plain[j] + (1 - keep) * plain[max(j - 1, 0)] for j in range(n)]
            for i in range(n):
                qi = rope(q[i], i) if net.position == "rope" else q[i]
                scores = []
                for j in range(i + 1):
                    kj = keys[j]
                    score = float(qi @ kj) / math.sqrt(dh)
                    if net.position == "alibi":
                        score -= slopes[h] * (i - j)
                    scores.append(score)
                top = max(scores)
                weights = [math.exp(s - top) for s in scores]
                total = sum(weights)
                for j, w in enumerate(weights):
                    mixed[i, cols] += w / total * v[j]
        x = x + mixed @ block.out.weight.T + block.out.bias
        if post:  # 2017: norm after each residual sum, and no final norm
            x = _layer_norm(x, block.norm1)
            x = _layer_norm(x + block.mlp(x), block.norm2)
        else:
            x = x + block.mlp(block.norm2(x))
    return x if post else net.norm(x)


def _layer_norm(x: torch.Tensor, norm: torch.nn.LayerNorm) -> torch.Tensor:
    """LayerNorm written out: (x − mean) / sqrt(var + eps) · weight + bias, row by row."""
    mean = x.mean(-1, keepdim=True)
    var = ((x - mean) ** 2).mean(-1, keepdim=True)
    return (x - mean) / torch.sqrt(var + norm.eps) * norm.weight + norm.bias


@pytest.mark.parametrize("smear", [False, True])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("position", POSITIONS)
def test_the_transformer_matches_a_plain_loop_in_float64(position, norm, smear):
    torch.manual_seed(1)
    net = CharTransformer(d_model=16, heads=4, layers=2, context=12, position=position, norm=norm, smear=smear)
    net = net.double()
    for p in net.parameters():  # LayerNorm's weight and bias away from 1 and 0, so that their place matters
        p.data += 0.1 * torch.randn_like(p)
    x = torch.randn(1, 9, 16, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(net(x)[0], _loop_forward(net, x[0]), rtol=1e-9, atol=1e-10)


def test_post_norm_and_pre_norm_differ_and_post_norm_outputs_are_normed():
    torch.manual_seed(5)
    pre = CharTransformer(d_model=16, heads=4, layers=3, context=12, position="alibi").double()
    post = CharTransformer(d_model=16, heads=4, layers=3, context=12, position="alibi", norm="post").double()
    post.load_state_dict(pre.state_dict(), strict=False)  # the same weights (post has no final norm)
    x = 3.0 * torch.randn(1, 9, 16, dtype=torch.float64)
    with torch.no_grad():
        out = post(x)[0]
        assert not torch.allclose(out, pre(x)[0], atol=1e-3)
        # LayerNorm at its initial weight 1 and bias 0: each row has mean 0 and variance 1 (less its eps)
        torch.testing.assert_close(out.mean(-1), torch.zeros(9, dtype=torch.float64), atol=1e-9, rtol=0)
        torch.testing.assert_close(out.var(-1, unbiased=False), torch.ones(9, dtype=torch.float64), atol=1e-4, rtol=0)


@pytest.mark.parametrize("position", POSITIONS)
def test_eval_mode_and_train_mode_give_the_same_outputs(position):
    """The warning in SCIENCE.md: nn.TransformerEncoder's eval fast path disagreed with train mode on a 3-D mask."""
    torch.manual_seed(2)
    model = CharLM(LMConfig(model="transformer", context=40, d_model=32, heads=4, position=position))
    ids = torch.randint(0, 65, (3, 40))
    with torch.no_grad():
        train_out = model.train()(ids)
        eval_out = model.eval()(ids)
    torch.testing.assert_close(eval_out, train_out, rtol=1e-5, atol=1e-5)


def test_the_alibi_slopes_are_two_to_the_minus_2_4_6_8_for_four_heads():
    torch.testing.assert_close(alibi_slopes(4), torch.tensor([2**-2, 2**-4, 2**-6, 2**-8]))
    bias = causal_bias(5, 4, "alibi")
    assert bias.shape == (4, 5, 5)
    assert bias[1, 4, 1].item() == pytest.approx(-(2**-4) * 3)
    assert torch.isneginf(bias[:, 1, 2]).all() and (bias.diagonal(dim1=1, dim2=2) == 0).all()


def test_rope_makes_a_query_key_product_depend_only_on_their_distance():
    torch.manual_seed(3)
    q, k = torch.randn(1, 8, dtype=torch.float64), torch.randn(1, 8, dtype=torch.float64)
    products = [float(rotate(q, offset=i)[0] @ rotate(k, offset=i - 3)[0]) for i in (3, 10, 500)]
    assert products[0] == pytest.approx(products[1], rel=1e-9) == pytest.approx(products[2], rel=1e-9)
    assert float(rotate(q, offset=3)[0] @ rotate(k, offset=0)[0]) != pytest.approx(float(q[0] @ k[0]), rel=1e-3)
    assert rotate(q, offset=7).norm().item() == pytest.approx(q.norm().item(), rel=1e-12)  # a rotation


@pytest.mark.parametrize("position", POSITIONS)
def test_the_transformer_is_causal(position):
    torch.manual_seed(0)
    model = CharLM(LMConfig(model="transformer", context=32, d_model=32, position=position)).eval()
    ids = torch.randint(0, 65, (1, 20))
    changed = ids.clone()
    changed[0, 12] = (ids[0, 12] + 1) % 65
    with torch.no_grad():
        a, b = model(ids), model(changed)
    torch.testing.assert_close(a[0, :12], b[0, :12])
    assert not torch.allclose(a[0, 12:], b[0, 12:])


def test_only_learned_positions_limit_the_length_read():
    for position, reach in (("learned", 16), ("alibi", None), ("rope", None)):
        model = CharLM(LMConfig(model="transformer", context=16, d_model=32, position=position)).eval()
        assert model.reach == reach
        with torch.no_grad():
            if reach is None:
                assert model(torch.zeros(1, 40, dtype=torch.long)).shape == (1, 40, 65)
            else:
                with pytest.raises(ValueError, match="at most 16"):
                    model(torch.zeros(1, 40, dtype=torch.long))


def test_the_attention_maps_are_causal_distributions_and_match_the_forward_pass():
    torch.manual_seed(4)
    net = CharTransformer(d_model=16, heads=4, layers=2, context=12, position="alibi").double()
    x = torch.randn(1, 10, 16, dtype=torch.float64)
    maps = net.attention(x)
    assert maps.shape == (2, 4, 10, 10)
    torch.testing.assert_close(maps.sum(-1), torch.ones(2, 4, 10, dtype=torch.float64))
    assert (maps.triu(1) == 0).all()
    # the first layer's output, recomputed from its map
    block = net.blocks[0]
    _, _, v = block.queries_keys_values(x)
    mixed = (maps[0][None] @ v).transpose(1, 2).reshape(1, 10, 16)
    h = x + block.out(mixed)
    h = h + block.mlp(block.norm2(h))
    torch.testing.assert_close(h, block(x))


def test_smeared_keys_mix_each_key_with_the_one_before_it():
    """At s = 0 each key is the mean of its own and the one before; far positive s keeps the key as it is."""
    torch.manual_seed(6)
    block = CharTransformer(d_model=16, heads=4, layers=1, context=12, position="alibi", smear=True).blocks[0].double()
    k = torch.randn(1, 4, 6, 4, dtype=torch.float64)
    with torch.no_grad():
        torch.testing.assert_close(block.smeared(k)[..., 1:, :], (k[..., 1:, :] + k[..., :-1, :]) / 2)
        torch.testing.assert_close(block.smeared(k)[..., 0, :], k[..., 0, :])
        before = torch.randn(1, 4, 1, 4, dtype=torch.float64)
        torch.testing.assert_close(block.smeared(k, before)[..., 0, :], (k[..., 0, :] + before[..., 0, :]) / 2)
        block.smear.fill_(40.0)
        torch.testing.assert_close(block.smeared(k), k)


@pytest.mark.parametrize("position", POSITIONS)
def test_attention_a_block_of_queries_at_a_time_is_the_whole_at_once(position, monkeypatch):
    """#37: past QUERY_BLOCK queries the scores are held a block at a time; the outputs and the maps are those of
    one pass over the whole n × n (here with blocks of 4 on 11 positions: a last block of 3)."""
    torch.manual_seed(7)
    net = CharTransformer(d_model=16, heads=4, layers=2, context=12, position=position, smear=True).double()
    x = torch.randn(2, 11, 16, dtype=torch.float64)
    with torch.no_grad():
        whole, maps = net(x), net.attention(x[:1])
        monkeypatch.setattr(char_transformer, "QUERY_BLOCK", 4)
        torch.testing.assert_close(net(x), whole, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(net.attention(x[:1]), maps, rtol=1e-12, atol=1e-12)
        torch.testing.assert_close(net(x)[0], _loop_forward(net, x[0]), rtol=1e-9, atol=1e-10)


def test_a_block_of_rows_of_the_bias_is_those_rows_of_the_whole():
    for position in POSITIONS:
        whole = causal_bias(9, 4, position)
        torch.testing.assert_close(causal_bias(9, 4, position, start=3, stop=7), whole[:, 3:7])
        torch.testing.assert_close(causal_bias(7, 4, position, start=3), whole[:, 3:7, :7])
