"""The real-Transformer page (#21) under AppTest: controls at min, max and defaults, every text, the
captions against core/minilm.py's numbers, your own text (Korean, HTML, too long, empty), bad links,
Reset, and Korean."""

import math

import numpy as np
import pandas as pd
import pytest

from core import minilm
from dashboard.i18n import catalog
from dashboard.real_view import DEFAULTS, RANGES, SENTENCES, TEXTS, TOY, farthest_link, text_of
from tests.apptest_helpers import alert_texts, all_captions, assert_charts_sound, assert_draws, charts, open_page

PAGE = "pages/real_transformer.py"
EN, KO = catalog("en"), catalog("ko")


def _open(query=None):
    return open_page(PAGE, query)


_captions = all_captions


def test_defaults_show_the_trophy_sentence_and_the_head_that_links_it_to_trophy():
    at = _open()
    assert_charts_sound(at)
    enc = minilm.encode(SENTENCES["trophy"])
    att = minilm.attention(enc)
    layer, head = DEFAULTS["layer"], DEFAULTS["head"]
    stats = minilm.head_stats(att)
    row = stats[(stats["layer"] == layer) & (stats["head"] == head)].iloc[0]
    caption = at.caption[0].value
    assert f"mean attention distance is {row.mean_distance:.1f}" in caption
    assert f"entropy {row.entropy_bits:.2f} bits" in caption
    i, j = farthest_link(att[layer - 1, head - 1])
    assert (enc.tokens[i], enc.tokens[j]) == ("it", "trophy")  # why this head is the default
    assert f"“it” attends to “trophy” with weight {att[layer - 1, head - 1, i, j]:.2f}" in caption
    head_map = charts(at)[0]
    cells = next(f for f in head_map["data"] if "weight" in f and "query_position" in f)
    grid = np.zeros((len(enc.ids),) * 2)
    grid[cells["query_position"], cells["key_position"]] = cells["weight"]
    np.testing.assert_allclose(grid, att[layer - 1, head - 1], atol=1e-6)
    np.testing.assert_allclose(grid.sum(1), 1.0, atol=1e-5)


@pytest.mark.parametrize("where", ["min", "max"])
def test_every_slider_at_its_min_and_max(where):
    query = {f"real_{name}": str(lo if where == "min" else hi) for name, (lo, hi, _) in RANGES.items()}
    at = _open(query)
    assert not at.toast
    assert_charts_sound(at)
    layer, head = int(query["real_layer"]), int(query["real_head"])
    assert at.caption[0].value.startswith(f"Layer {layer}, head {head}:")


@pytest.mark.parametrize("code", [c for c in TEXTS if c != "own"])
def test_every_prepared_text_draws_and_its_gradient_caption_reads_the_measurement(code):
    at = _open({"real_text": code, "real_seed": "2"})
    assert_charts_sound(at)
    text = text_of(code)
    profile = minilm.gradient_profile(minilm.encode(text), 2)
    gradient = charts(at)[3]
    expected = profile[profile["distance"] >= 0].sort_values("distance")
    assert_draws(gradient, EN["real.series_minilm"], expected["distance"], expected["log10_grad_norm"], exact=1e-4)
    far_edge = int(expected["distance"].max())
    if far_edge < 16:
        assert "too short" in _captions(at)
        return
    near, far = minilm.band_mean(profile, 1, 7), minilm.band_mean(profile, far_edge // 2, far_edge)
    assert f"is {near:.2f} at distances 1–7 and {far:.2f} at distances {far_edge // 2}–{far_edge}" in _captions(at)
    assert f"×{10 ** (near - far):.3g} smaller" in _captions(at)
    rnn = minilm.band_mean(_toy("rnn", far_edge + 1), far_edge // 2, far_edge) - minilm.band_mean(
        _toy("rnn", far_edge + 1), 1, 7
    )
    assert f"10^{rnn:.1f}" in _captions(at)


def _toy(model, length):
    from core.probe import gradient_through_time

    return gradient_through_time(model, seq_len=length, **TOY)


def test_a_passage_past_64_word_pieces_draws_its_map_as_a_log_scaled_image():
    at = _open({"real_text": "ruth"})
    head_map = charts(at)[0]
    assert any("url" in f for f in head_map["data"])
    assert "log10" in _captions(at).split("\n")[0]


def test_the_saliency_caption_gives_the_rank_correlation_of_gradient_and_rollout():
    at = _open({"real_text": "genesis"})
    enc = minilm.encode(text_of("genesis"))
    grad = minilm.gradient_profile(enc, 0)["grad_norm"].to_numpy()[1:-1]
    roll = minilm.rollout(minilm.attention(enc))[enc.readout][1:-1]
    rho = pd.Series(grad).corr(pd.Series(roll), method="spearman")
    assert f"rank correlation over this text's word pieces is {rho:.2f}" in _captions(at)
    tokens = [f.shown for f in _saliency_rows(at).itertuples()]
    assert len(tokens) == 2 * len(enc.ids)  # two panels, every word piece in each


def _saliency_rows(at):
    chart = charts(at)[4]
    return pd.concat([f for f in chart["data"] if "shown" in f], ignore_index=True)


@pytest.mark.parametrize(
    "text",
    ["<script>alert('x')</script> **bold** [link](javascript:alert(1))", "\U0001f600 \U0001f3c6" * 20, "word " * 1000],
)
def test_your_own_text_is_data(text):
    at = _open({"real_text": "own", "real_own": text})
    assert_charts_sound(at)
    enc = minilm.encode(text)
    rows = _saliency_rows(at)
    assert len(rows) == 2 * len(enc.ids)
    if enc.truncated:
        assert any(str(enc.pieces) in note for note in alert_texts(at)["info"])
    if enc.unknown_share:
        assert alert_texts(at)["warning"]


def test_a_korean_text_gets_a_notice_of_unknown_and_split_word_pieces():
    text = "트로피가 너무 커서 갈색 가방에 들어가지 않았다"
    at = _open({"lang": "ko", "real_text": "own", "real_own": text})
    enc = minilm.encode(text)
    warning = alert_texts(at)["warning"][0]
    assert f"{enc.fragment_share:.0%}" in warning and "[UNK]" in warning


def test_an_empty_own_text_shows_the_trophy_sentence_with_a_note():
    at = _open({"real_text": "own"})
    assert EN["real.own_empty"] in alert_texts(at)["info"]
    assert "trophy" in _saliency_rows(at)["shown"].tolist()


def test_korean_interface_keeps_english_texts_and_translates_the_page():
    at = _open({"lang": "ko"})
    assert at.title[0].value == KO["real.title"]
    box = at.selectbox(key="real_text")
    assert box.value == "trophy" and "영어" in box.format_func(box.value)
    assert "trophy" in _saliency_rows(at)["shown"].tolist()
    assert "층" in at.caption[0].value


@pytest.mark.parametrize("key,value", [("real_layer", "9"), ("real_head", "x"), ("real_text", "bible")])
def test_a_bad_link_value_is_ignored_with_a_notice(key, value):
    at = _open({key: value})
    assert at.toast and key in at.toast[0].value
    assert_charts_sound(at)


def test_reset_puts_every_control_back():
    at = _open({"real_layer": "2", "real_head": "7", "real_text": "genesis", "real_seed": "5"})
    at.button(key="reset_defaults").click().run()
    at.run()
    assert at.slider(key="real_layer").value == DEFAULTS["layer"]
    assert at.slider(key="real_head").value == DEFAULTS["head"]
    assert at.selectbox(key="real_text").value == "trophy"
    assert not {"real_layer", "real_head", "real_text", "real_seed"} & set(at.query_params)


def test_head_stats_chart_plots_every_head():
    at = _open()
    stats = charts(at)[2]
    points = [f for f in stats["data"] if "mean_distance" in f and len(f) == minilm.LAYERS * minilm.HEADS]
    assert points and not math.isnan(points[0]["entropy_bits"].sum())


def test_the_other_pages_never_import_transformers():
    """The real model is loaded on its page's first use only: the other pages' cold start and memory stay; and its
    page runs it with core/bert.py, so transformers (and the scipy and torch._dynamo it imports) stay out."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from tests.apptest_helpers import run_app\n"
        "for page in (None, 'pages/vanishing_exploding.py', 'pages/depth.py', 'pages/remedies.py',"
        " 'pages/training.py', 'pages/attention.py', 'pages/head_to_head.py'):\n"
        "    assert not run_app({}, page=page).exception\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'transformers', 'tokenizers', 'scipy'}))\n"
        "run_app({}, page='pages/real_transformer.py')\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'transformers', 'tokenizers', 'scipy'}))\n"
    )
    root = __import__("pathlib").Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    # and the check can fail: its own page imports the tokenizer, and never transformers' model code (#37: 115 MB)
    assert out.stdout.split("\n")[:2] == ["[]", "['tokenizers']"]


def test_the_readmes_figures_for_ruth_are_the_pages():
    """README: "On Ruth the far words' gradient is about 5× smaller than the near words', where the toy RNN's falls by
    10^90" (the page's defaults: seed 0)."""
    profile = minilm.gradient_profile(minilm.encode(text_of("ruth")), 0)
    edge = int(profile["distance"].max())
    fall = minilm.band_mean(profile, 1, 7) - minilm.band_mean(profile, edge // 2, edge)
    assert 4.5 <= 10**fall <= 5.5
    rnn = _toy("rnn", edge + 1)
    assert round(minilm.band_mean(rnn, 1, 7) - minilm.band_mean(rnn, edge // 2, edge)) == 90
    readme = (__import__("pathlib").Path(__file__).resolve().parents[1] / "README.md").read_text()
    assert "about 5× smaller than the near\nwords', where the toy RNN's falls by 10^90" in readme
