"""The home page: the lineage data checked against the papers, and the page in both languages."""

import pytest

from core.lineage import FAMILIES, LINEAGE, lineage_frame
from dashboard.i18n import catalog
from tests.apptest_helpers import assert_charts_sound, run_app

EN, KO = catalog("en"), catalog("ko")


def test_lineage_is_in_date_order_with_the_papers_first_versions():
    frame = lineage_frame()
    assert frame["date"].is_monotonic_increasing
    assert set(frame["family"]) <= set(FAMILIES)
    years = {name.split(" (")[0]: year for name, year, *_ in LINEAGE}
    assert years == {
        "Bahdanau et al.": 2014,
        "ConvS2S": 2017,
        "Transformer": 2017,
        "GPT": 2018,
        "BERT": 2018,
        "GPT-2": 2019,
        "CTRL": 2019,
        "T5": 2019,
        "BART": 2019,
        "LLaMA": 2023,
        "ULMFiT": 2018,
        "ELMo": 2018,
        "S4": 2021,
        "LRU": 2023,
        "Mamba": 2023,
    }
    family = dict(zip(frame["name"].str.split(" (", regex=False).str[0], frame["family"], strict=True))
    assert family["BERT"] == "encoder" and family["GPT"] == family["LLaMA"] == "decoder"
    assert family["T5"] == family["BART"] == family["Transformer"] == "encoder-decoder"
    assert family["ELMo"] == family["ULMFiT"] == "recurrent"  # LSTMs, after the Transformer (#18)
    assert family["S4"] == family["LRU"] == family["Mamba"] == "state-space"


def test_home_page_renders_the_story_in_order():
    at = run_app()
    assert not at.exception and at.title[0].value == EN["home.title"]
    assert_charts_sound(at)
    text = " ".join(m.value for m in at.markdown)
    positions = [
        text.index(EN[f"home.step_{key}_title"])
        for key in ("read", "same_w", "vanish", "remedies", "attention", "positions")
    ]
    assert positions == sorted(positions)


@pytest.mark.parametrize("present", [False, True])
def test_home_page_in_korean_and_presenter_mode(present):
    from streamlit.testing.v1 import AppTest

    from tests.apptest_helpers import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = "ko"
    at.session_state["present"] = present
    at.run()
    assert not at.exception and at.title[0].value == KO["home.title"]
    assert_charts_sound(at)


def test_every_paper_has_a_translated_note():
    for lang in (EN, KO):
        assert all(f"home.note_{i}" in lang for i in range(len(LINEAGE)))
    assert f"home.note_{len(LINEAGE)}" not in EN  # no stale notes either


def test_each_home_link_opens_the_view_it_names():
    """#20: "Sweep the weight scale across ρ = 1" opened the eigenvalue view; it carries ?rnn_detail=map, and
    that link, opened, shows the map."""
    at = run_app()
    links = {link.proto.label: link.proto for link in at.get("page_link")}
    sweep = links[EN["home.link_vanish"]]
    assert sweep.page == "vanishing_exploding" and sweep.query_string == "rnn_detail=map"
    opened = run_app({"rnn_detail": "map"}, page="pages/vanishing_exploding.py")
    assert EN["rnn.sweep_chart"] in [s.value for s in opened.subheader] and not opened.toast


@pytest.mark.parametrize(
    "key,code,page,heading",
    [
        ("remedy", "clipping", "pages/remedies.py", "rem.clip_title"),
        ("remedy", "gates", "pages/remedies.py", "rem.gates_title"),
        ("rnn_detail", "rates", "pages/vanishing_exploding.py", "rnn.rates_chart"),
    ],
)
def test_every_view_is_bookmarkable(key, code, page, heading):
    """#20: "Which remedy" and "Look closer" are in the URL as codes (the same in every language)."""
    for lang in ("en", "ko"):
        at = run_app({key: code, "lang": lang}, page=page)
        assert not at.exception and at.session_state[key] == code and at.query_params[key] == code
        assert catalog(lang)[heading] in [s.value for s in at.subheader]
