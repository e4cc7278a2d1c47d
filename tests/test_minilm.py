"""all-MiniLM-L6-v2 (core/minilm.py, run by core/bert.py) against transformers' own BertModel and tokenizer,
float64 autograd, float64 finite differences and closed forms, plus the `python -m core attention | probe --model
minilm` contract."""

import copy
import json
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from core import minilm

TROPHY = "The trophy would not fit in the brown suitcase because it was too big"


def _run(*args):
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def model():
    return minilm.load().model


@pytest.fixture(scope="module")
def double_model(model):
    return copy.deepcopy(model).double()


def test_the_package_ships_the_upstream_weights():
    assert minilm.weights_sha256() == minilm.WEIGHTS_SHA256


def test_the_model_loads_and_runs_with_the_network_unavailable(tmp_path):
    code = (
        "import socket\n"
        "def deny(*a, **k):\n"
        "    raise OSError('network disabled by the test')\n"
        "socket.socket.connect = deny\n"
        "socket.socket.connect_ex = deny\n"
        "socket.create_connection = deny\n"
        "socket.getaddrinfo = deny\n"
        "from core import minilm\n"
        "enc = minilm.encode('offline works')\n"
        "print(minilm.attention(enc).shape, list(enc.tokens))\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if not k.startswith(("HF_", "TRANSFORMERS_"))}
    env["HF_HOME"] = str(tmp_path)  # an empty cache: the weights can only come from the package
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    assert "(6, 12, 5, 5)" in proc.stdout and "'##line', 'works'" in proc.stdout


def test_attention_is_softmax_of_the_layers_own_queries_and_keys_in_float64(model):
    """Recompute every head's weights from the hidden states that enter each layer: A[l][h][i][j] is from
    query i to key j."""
    enc = minilm.encode(TROPHY)
    att = minilm.attention(enc)
    ids = torch.tensor([enc.ids])
    with torch.no_grad():
        states = [model.embeddings(input_ids=ids)]
        for layer in model.encoder.layer:
            states.append(layer(states[-1]))
    size = minilm.WIDTH // minilm.HEADS
    for layer in range(minilm.LAYERS):
        block = model.encoder.layer[layer].attention.self
        h = states[layer][0].double()
        q = (h @ block.query.weight.double().T + block.query.bias.double()).view(-1, minilm.HEADS, size)
        k = (h @ block.key.weight.double().T + block.key.bias.double()).view(-1, minilm.HEADS, size)
        scores = torch.einsum("ihd,jhd->hij", q, k) / math.sqrt(size)
        expected = torch.softmax(scores, dim=-1).numpy()
        np.testing.assert_allclose(att[layer], expected, atol=2e-5)


def test_attention_rows_sum_to_one_and_the_tokens_round_trip():
    enc = minilm.encode(TROPHY + ", and then it was not.")
    att = minilm.attention(enc)
    assert att.shape == (minilm.LAYERS, minilm.HEADS, len(enc.ids), len(enc.ids))
    np.testing.assert_allclose(att.sum(-1), 1.0, atol=1e-5)
    tokenizer = minilm.load().tokenizer
    assert [tokenizer.token_to_id(tok) for tok in enc.tokens] == list(enc.ids)
    assert enc.tokens[0] == "[CLS]" and enc.tokens[-1] == "[SEP]"
    assert tokenizer.decode(list(enc.ids[1:-1])) == "the trophy would not fit in the brown " + (
        "suitcase because it was too big, and then it was not."
    )


@pytest.fixture(scope="module")
def reference():
    """transformers' own BertModel (eager attention) and fast tokenizer on the same folder: the reference."""
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    from transformers import AutoModel, AutoTokenizer

    folder = minilm.model_dir()
    model = AutoModel.from_pretrained(folder, attn_implementation="eager", local_files_only=True).eval()
    return model, AutoTokenizer.from_pretrained(folder, local_files_only=True)


@pytest.mark.parametrize(
    "text", [TROPHY, "한국어 😀 <b>html</b> naïve café", "In the beginning God created the heaven. " * 60, ""]
)
def test_the_encoder_and_the_tokenizer_are_transformers_own(reference, text):
    """core/bert.py and `tokenizers` give the word pieces, attention weights and last hidden states that
    transformers' BertModel and fast tokenizer give (512 word pieces at most, [SEP] kept last, as minilm does)."""
    ref_model, ref_tokenizer = reference
    enc = minilm.encode(text)
    ids = list(ref_tokenizer(text, add_special_tokens=True)["input_ids"])
    ids = ids if len(ids) <= minilm.MAX_TOKENS else ids[: minilm.MAX_TOKENS - 1] + ids[-1:]
    assert list(enc.ids) == ids and list(enc.tokens) == ref_tokenizer.convert_ids_to_tokens(ids)
    with torch.no_grad():
        out = ref_model(input_ids=torch.tensor([ids]), output_attentions=True)
        mine = minilm.load().model(input_ids=torch.tensor([ids])).last_hidden_state
    np.testing.assert_allclose(minilm.attention(enc), torch.stack(out.attentions)[:, 0].numpy(), atol=1e-6)
    np.testing.assert_allclose(mine.numpy(), out.last_hidden_state.numpy(), atol=1e-5)


def test_the_gradient_profile_is_transformers_models_in_float64(reference):
    """The profile through transformers' BertModel in float64 autograd, one graph: the same norms."""
    enc = minilm.encode(TROPHY)
    profile = minilm.gradient_profile(enc, seed=5)
    ref = copy.deepcopy(reference[0]).double()
    x = ref.embeddings.word_embeddings(torch.tensor([enc.ids])).detach().requires_grad_(True)
    hidden = ref(inputs_embeds=x, token_type_ids=torch.zeros(1, len(enc.ids), dtype=torch.long)).last_hidden_state
    (grad,) = torch.autograd.grad(hidden[0, enc.readout] @ torch.from_numpy(minilm.readout_vector(5)), x)
    np.testing.assert_allclose(profile["grad_norm"], grad[0].norm(dim=-1).numpy(), rtol=2e-3)


def test_the_encoder_refuses_padding_masks_it_does_not_implement(model):
    with pytest.raises(ValueError, match="mask"):
        model(input_ids=torch.tensor([[101, 102]]), attention_mask=torch.tensor([[1, 0]]))


def test_the_gradient_profile_matches_float64_autograd(double_model):
    enc = minilm.encode(TROPHY)
    profile = minilm.gradient_profile(enc, seed=3)
    x = minilm.embeddings_of(enc, torch.float64).requires_grad_(True)
    r = torch.from_numpy(minilm.readout_vector(3))
    (grad,) = torch.autograd.grad(minilm.readout_of(x, enc, r, double_model), x)
    np.testing.assert_allclose(profile["grad_norm"], grad[0].norm(dim=-1).numpy(), rtol=2e-3)
    assert list(profile["distance"]) == [enc.readout - p for p in range(len(enc.ids))]
    assert profile["distance"].iloc[-1] == -1 and profile["token"].iloc[-1] == "[SEP]"


def test_the_float64_gradient_matches_central_finite_differences(double_model):
    """ℓ(x + εv) − ℓ(x − εv) = 2ε ∇ℓ·v + O(ε³), for a random direction v in a few word pieces' embeddings."""
    enc = minilm.encode("Far words still matter here")
    r = torch.from_numpy(minilm.readout_vector(0))
    x = minilm.embeddings_of(enc, torch.float64).requires_grad_(True)
    (grad,) = torch.autograd.grad(minilm.readout_of(x, enc, r, double_model), x)
    rng = np.random.default_rng(0)
    with torch.no_grad():
        for t in (0, 2, len(enc.ids) - 1):
            v = torch.zeros_like(x)
            v[0, t] = torch.from_numpy(rng.standard_normal(minilm.WIDTH))
            eps = 1e-5
            up = minilm.readout_of(x + eps * v, enc, r, double_model)
            down = minilm.readout_of(x - eps * v, enc, r, double_model)
            numeric = float((up - down) / (2 * eps))
            assert numeric == pytest.approx(float((grad * v).sum()), rel=1e-6, abs=1e-9)


def test_the_readout_is_the_probes_unit_vector():
    r = minilm.readout_vector(7)
    expected = np.random.default_rng([7, 1]).standard_normal(384)
    np.testing.assert_allclose(r, expected / np.linalg.norm(expected))
    assert np.linalg.norm(r) == pytest.approx(1.0)


def test_head_stats_match_their_definitions_by_loops():
    rng = np.random.default_rng(1)
    att = rng.random((2, 3, 5, 5))
    att /= att.sum(-1, keepdims=True)
    stats = minilm.head_stats(att)
    for row in stats.itertuples():
        a = att[row.layer - 1, row.head - 1]
        distance = np.mean([sum(a[i, j] * abs(i - j) for j in range(5)) for i in range(5)])
        entropy = np.mean([-sum(a[i, j] * math.log2(a[i, j]) for j in range(5)) for i in range(5)])
        assert row.mean_distance == pytest.approx(distance)
        assert row.entropy_bits == pytest.approx(entropy)
    uniform = minilm.head_stats(np.full((1, 1, 8, 8), 1 / 8))
    assert uniform["entropy_bits"].iloc[0] == pytest.approx(3.0)
    spread = np.mean([np.abs(i - np.arange(8)).mean() for i in range(8)])  # 21/8
    assert uniform["mean_distance"].iloc[0] == pytest.approx(spread) == 21 / 8
    diagonal = minilm.head_stats(np.eye(6)[None, None])
    assert diagonal["mean_distance"].iloc[0] == 0 and diagonal["entropy_bits"].iloc[0] == 0


def test_rollout_is_the_product_of_half_attention_half_identity():
    rng = np.random.default_rng(2)
    att = rng.random((3, 2, 4, 4))
    att /= att.sum(-1, keepdims=True)
    mixed = [(a.mean(0) + np.eye(4)) / 2 for a in att]  # rows already sum to 1
    np.testing.assert_allclose(minilm.rollout(att), mixed[2] @ mixed[1] @ mixed[0])
    np.testing.assert_allclose(minilm.rollout(att).sum(-1), 1.0)
    np.testing.assert_allclose(minilm.rollout(np.broadcast_to(np.eye(4), (3, 2, 4, 4))), np.eye(4))


def test_pool_keeps_each_blocks_mean():
    rng = np.random.default_rng(3)
    att = rng.random((2, 10, 10))
    pooled = minilm.pool(att, 5)
    assert pooled.shape == (2, 5, 5)
    np.testing.assert_allclose(pooled[1, 2, 3], att[1, 4:6, 6:8].mean(), rtol=1e-6)
    assert minilm.pool(att, 10) is att or np.array_equal(minilm.pool(att, 10), att)
    np.testing.assert_allclose(minilm.pool(att, 3).mean(), att.mean(), rtol=0.05)


def test_a_long_text_is_truncated_to_512_positions_with_sep_last():
    enc = minilm.encode("word " * 2000)
    assert len(enc.ids) == minilm.MAX_TOKENS and enc.tokens[-1] == "[SEP]" and enc.truncated
    assert enc.pieces == 2002 and enc.readout == 510
    short = minilm.encode(TROPHY)
    assert not short.truncated and short.pieces == len(short.ids) == 16


def test_korean_becomes_fragments_and_unknowns_are_counted():
    korean = minilm.encode("안녕하세요 세계")
    assert korean.fragment_share > 0.5  # Hangul split into jamo
    assert minilm.encode(TROPHY).fragment_share == 0 and minilm.encode(TROPHY).unknown_share == 0
    unknown = minilm.encode("\U0001f600 \U0001f680 word")
    assert unknown.unknown_share == pytest.approx(2 / 3)


# --- the command-line contract ---------------------------------------------------------------


def test_cli_attention_prints_tokens_and_every_heads_weights():
    proc = _run("attention", "--model", "minilm", "--text", TROPHY, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(out) == {"model", "tokens", "attention"} and out["model"] == minilm.NAME
    assert out["tokens"][0] == "[CLS]" and out["tokens"][-1] == "[SEP]" and len(out["tokens"]) == 16
    att = np.array(out["attention"])
    assert att.shape == (6, 12, 16, 16)
    np.testing.assert_allclose(att, minilm.attention(minilm.encode(TROPHY)), atol=1e-6)


def test_cli_probe_minilm_prints_the_contract_columns_and_is_seeded():
    proc = _run("probe", "--model", "minilm", "--text", TROPHY, "--seed", "4", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0] == "position,distance,grad_norm,log10_grad_norm,token"
    frame = pd.read_csv(__import__("io").StringIO(proc.stdout), keep_default_na=False)
    expected = minilm.gradient_profile(minilm.encode(TROPHY), 4)
    np.testing.assert_allclose(frame["grad_norm"], expected["grad_norm"], rtol=1e-6)
    np.testing.assert_allclose(frame["log10_grad_norm"], np.log10(frame["grad_norm"]), atol=1e-9)
    assert list(frame["token"]) == list(expected["token"])
    other = minilm.gradient_profile(minilm.encode(TROPHY), 5)
    assert not np.allclose(other["grad_norm"], expected["grad_norm"])  # the seed picks the readout


@pytest.mark.parametrize(
    "args, words",
    [
        (("probe", "--model", "minilm", "--seed", "0"), "--text"),
        (("probe", "--model", "minilm", "--text", "a", "--seq-len", "5"), "--seq-len"),
        (("probe", "--model", "minilm", "--text", "a", "--forget-bias", "1"), "--forget-bias"),
        (("probe", "--model", "rnn", "--text", "a"), "--text"),
        (("attention", "--model", "gpt", "--text", "a"), "--model"),
        (("attention", "--model", "minilm"), "--text"),
    ],
)
def test_cli_bad_arguments_exit_2_with_one_line(args, words):
    proc = _run(*args)
    assert proc.returncode == 2 and proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr


@pytest.mark.parametrize(
    "text",
    ["\U0001f600\U0001f3c6 emoji", "트로피가 너무 커서 가방에 들어가지 않았다", "<script>alert(1)</script>", "x" * 5000]
    + [""],
)
def test_cli_takes_any_text_as_data(text, capsys):
    from core.cli import main

    assert main(["probe", "--model", "minilm", "--text", text, "--format", "json"]) == 0  # in process: no reload
    out = capsys.readouterr()
    assert "Traceback" not in out.err
    rows = json.loads(out.out)
    assert rows[0]["token"] == "[CLS]" and rows[-1]["token"] == "[SEP]" and rows[-1]["distance"] == -1


def test_cli_notes_truncation_on_stderr(capsys):
    from core.cli import main

    assert main(["probe", "--model", "minilm", "--text", "word " * 600, "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert len(out.out.splitlines()) == 1 + 512
    assert "note" in out.err and "512" in out.err and len(out.err.strip().splitlines()) == 1


def test_the_weights_are_the_files_own_mapped_copy_on_write(tmp_path):
    """core/bert.py maps the safetensors file instead of reading it (#37): the same tensors, dtypes and shapes as
    safetensors' own load_file, and writing to one changes the process's copy, never the file."""
    from safetensors.torch import load_file, save_file

    from core.bert import mapped_safetensors

    tensors = {"a": torch.randn(3, 5), "b": torch.arange(7), "c": torch.randn(2, 2).half(), "d": torch.zeros(0)}
    save_file(tensors, str(tmp_path / "t.safetensors"))
    mapped = mapped_safetensors(tmp_path / "t.safetensors")
    for name, tensor in tensors.items():
        assert mapped[name].dtype == tensor.dtype and torch.equal(mapped[name], tensor), name
    header = json.dumps({"x": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * ((5 - len(header)) % 4)  # the data start at 8 + len(header) ≡ 1 (mod 4): misaligned for F32
    values = torch.tensor([1.5, -2.25])
    (tmp_path / "odd.safetensors").write_bytes(len(header).to_bytes(8, "little") + header + values.numpy().tobytes())
    assert torch.equal(mapped_safetensors(tmp_path / "odd.safetensors")["x"], values)
    mapped["a"].add_(1.0)
    assert torch.equal(load_file(str(tmp_path / "t.safetensors"))["a"], tensors["a"])
    package = load_file(str(minilm.model_dir() / "model.safetensors"))
    state = minilm.load().model.state_dict()
    assert len(state) == 101 and all(torch.equal(state[name], package[name]) for name in state)
