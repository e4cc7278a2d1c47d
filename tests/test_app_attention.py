"""AppTest runs of the Attention page at its extremes, with the numbers checked against core."""

import pytest

from core.attention import MAX_CHARS, MAX_TOKENS, split_tokens, tokenize
from core.probe import gradient_through_time
from dashboard.charts.style import pow10_label
from dashboard.i18n import catalog
from tests.apptest_helpers import assert_charts_sound, charts, run_app

PAGE = "pages/attention.py"
EN = catalog("en")


def _open(query=None):
    at = run_app({k: str(v) for k, v in (query or {}).items()}, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == EN["att.title"]
    assert_charts_sound(at)
    return at


def test_defaults_show_order_blindness_in_numbers():
    at = _open()
    pooled_off, map_off, pooled_on = (float(m.value) for m in at.metric)
    assert pooled_off < 1e-10 and map_off < 1e-10 < 1e-3 < pooled_on


@pytest.mark.parametrize(
    "query",
    [
        {"att_d": 16, "att_heads": 1, "att_layers": 1, "att_window": 0},
        {"att_d": 128, "att_heads": 8, "att_layers": 4, "att_window": 64},
        {"att_mode": "random", "att_seq_len": 2},
        {"att_mode": "random", "att_seq_len": 2000, "att_layers": 1},
        {"att_mode": "random", "att_seq_len": 512, "att_window": 5, "att_layers": 3},
        {"att_pe": "false", "att_level": "char"},
        {"att_heads": 8, "att_d": 16},
    ],
    ids=str,
)
def test_controls_at_their_extremes(query):
    _open(query)


def test_typed_text_edge_cases():
    at = run_app(page=PAGE)
    for text in ("", "   ", "word", "<script>alert(1)</script>", "한국어 문장도 됩니다. " * 40, "x" * 5000):
        at.text_input(key="att_text").set_value(text).run()
        assert not at.exception, (text[:20], [e.value for e in at.exception])
        assert_charts_sound(at)
        infos = [i.value for i in at.info]
        assert (EN["att.too_short"] in infos) == (len(tokenize(text)) < 2)  # the fallback is said, not silent
        cut_chars = len(text) > MAX_CHARS
        cut_tokens = len(split_tokens(text[:MAX_CHARS])) > MAX_TOKENS
        assert any(i.startswith(f"The text has {len(text)} characters") for i in infos) == cut_chars
        assert any("tokens; the page uses the first 128" in i for i in infos) == cut_tokens
        assert all(text.strip()[:20] not in i for i in infos if text.strip())  # the visitor's text is never echoed
    assert cut_chars and cut_tokens is False  # the last text: 5000 characters, one word


def test_gradient_caption_matches_the_probe():
    at = _open({"att_mode": "random", "att_seq_len": 300})
    far = gradient_through_time("transformer", seq_len=300)["log10_grad_norm"].iloc[0]
    rnn = gradient_through_time("rnn", seq_len=300, weight_scale=0.9)["log10_grad_norm"].iloc[0]
    assert any(pow10_label(far) in c.value and pow10_label(rnn) in c.value for c in at.caption)


def test_window_reach_is_stated_and_drawn():
    at = _open({"att_mode": "random", "att_seq_len": 100, "att_window": 6, "att_layers": 2})
    assert any("L·(K − 1) = 10" in c.value for c in at.caption)


@pytest.mark.parametrize(
    "text,level,expected",
    [
        ("a 👨\u200d👩\u200d👧 b", "word", ["a", "👨\u200d👩\u200d👧", "b"]),
        ("👍🏽🇰🇷", "char", ["👍🏽", "🇰🇷"]),
        ("🇰🇷🇯🇵", "word", ["🇰🇷", "🇯🇵"]),
        ("e\u0301!", "char", ["e\u0301", "!"]),
        ("♥\ufe0f ok", "word", ["♥\ufe0f", "ok"]),
    ],
)
def test_tokens_are_what_the_screen_shows(text, level, expected):
    """#20: emoji joined with zero-width joiners, skin tones, flags and accents stay one token each."""
    tokens = tokenize(text, level)
    assert tokens == expected
    assert "".join(tokens).replace(" ", "") == text.replace(" ", "")  # nothing dropped or invented


def test_a_heavy_link_is_capped_with_a_notice():
    """#20: /attention?att_mode=random&att_seq_len=1800&att_d=128&att_heads=8&att_layers=4 took 8–9 s a move
    and grew the server to 1.5 GB; T²·heads·layers is now capped, and the page says so."""
    from core.attention import MAX_ATTENTION_CELLS, max_positions

    query = {"att_mode": "random", "att_seq_len": 1800, "att_d": 128, "att_heads": 8, "att_layers": 4}
    at = _open(query)
    cap = max_positions(8, 4)
    assert cap**2 * 8 * 4 <= MAX_ATTENTION_CELLS < (cap + 1) ** 2 * 8 * 4
    assert any(f"at most {cap} positions" in w.value and "first 707 of 1800" in w.value for w in at.warning)
    gradient = next(c for c in charts(at) if any("series" in frame for frame in c["data"]))
    lines = next(frame for frame in gradient["data"] if "log10" in frame and "part" in frame)
    assert lines["distance"].max() == cap - 1  # the probe ran on the capped length
    assert not _open({**query, "att_heads": 1, "att_layers": 1}).warning  # 1800²·1·1 is within the cap
