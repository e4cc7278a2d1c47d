"""AppTest runs of the Head to head page at its extremes, and its table against core."""

import math

import pytest

from dashboard import cached
from dashboard.charts.style import SCREEN
from dashboard.i18n import catalog
from tests.apptest_helpers import assert_charts_sound, run_app

PAGE = "pages/head_to_head.py"
EN = catalog("en")


def _open(query=None):
    at = run_app({k: str(v) for k, v in (query or {}).items()}, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == EN["h2h.title"]
    assert_charts_sound(at)
    return at


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"h2h_window": 2},
        {"h2h_window": 64},
        {"h2h_n": 16},
        {"h2h_n": 2048},
        {"seq_len": 2, "hidden_size": 4},
        {"seq_len": 2000, "hidden_size": 128},
    ],
    ids=str,
)
def test_controls_at_their_extremes(query):
    _open(query)


@pytest.mark.parametrize("n", [16, 512])
def test_the_table_states_the_measured_path_lengths(n):
    table = _open({"h2h_n": n}).table[0].value
    expected = [
        f"O(n) · {n}",
        "O(1) · 1",
        f"O(n/r) · {max(1, math.ceil((n - 1) / 31))}",
        f"O(log_k n) · {math.ceil(math.log(n, 3) - 1e-9)}",
        f"O(log n) · {math.ceil(math.log2(n))}",  # the LRU's scan: rounds
    ]
    assert table[EN["h2h.col_path"]].tolist() == expected
    rounds = f"O(log n) · {math.ceil(math.log2(n))}"
    assert table[EN["h2h.col_seq"]].tolist() == [f"O(n) · {n}", "O(1) · 1", "O(1) · 1", "O(1) · 1", rounds]


def test_restricted_transformer_reach_is_in_the_caption():
    at = _open({"h2h_window": 6, "seq_len": 100})
    assert any("2·(K − 1) = 10" in c.value for c in at.caption)


def test_each_layer_kind_keeps_its_colour_in_every_language(monkeypatch):
    """The timing chart's colours follow the layer kind, not the sorted translated names (Korean
    sorts the four names differently from English, which swapped the attention pair's reds)."""
    import json

    import pandas as pd

    from dashboard import h2h_view
    from dashboard.charts.style import KIND_COLORS
    from dashboard.i18n import speaking, t

    rows = [(kind, n, 1e-4 * n * (i + 1)) for i, kind in enumerate(h2h_view.LAYER_KINDS) for n in (512, 1024)]
    monkeypatch.setattr(h2h_view, "_timings", lambda: pd.DataFrame(rows, columns=["kind", "n", "seconds"]))
    seen = {}
    for lang in ("en", "ko"):
        with speaking(lang):
            names = {kind: t(f"h2h.kind_{h2h_view.KIND_KEYS[kind]}") for kind in h2h_view.LAYER_KINDS}
            spec = json.loads(h2h_view._timing_figure.__wrapped__(SCREEN, "test").spec)
            scale = spec["encoding"]["color"]["scale"]
        colour = dict(zip(scale["domain"], scale["range"], strict=True))
        seen[lang] = {kind: next(c for label, c in colour.items() if label.startswith(names[kind])) for kind in names}
    assert seen["en"] == seen["ko"] == KIND_COLORS
    assert sorted(names.values()) != [names[k] for k in h2h_view.LAYER_KINDS]  # the sort would have reordered them


def test_table_one_reads_shipped_timings_and_measures_again_on_demand(monkeypatch):
    """#20: the exponents come from a table made by `python -m core timings`, with its machine and date, and
    a visitor can measure again on this server, labelled "measured now"."""
    import pandas as pd

    from dashboard import h2h_view

    shipped = pd.read_csv(h2h_view.TIMINGS_CSV)
    assert set(shipped["kind"]) == set(h2h_view.LAYER_KINDS) and shipped["run"].nunique() >= 3
    at = run_app(page=PAGE)
    captions = [c.value for c in at.caption]
    assert any(c.startswith("Measured with `python -m core timings` on") for c in captions)
    slopes = cached.fitted_slopes(shipped, h2h_view.FIT_FROM)
    cells = at.table[0].value.iloc[:, 0].tolist()
    assert any(f"n^{slopes['self-attention']:.2f}" in cell for cell in cells)
    rows = [(k, n, r, 1e-6 * n) for k in h2h_view.LAYER_KINDS for n in (512, 1024, 2048, 4096) for r in range(3)]
    fake = (pd.DataFrame(rows, columns=["kind", "n", "run", "seconds"]), {"date": "now", "cores": 2})
    monkeypatch.setattr(cached, "timings_now", lambda *args: fake)
    at.button(key="h2h_remeasure").click().run()
    assert not at.exception
    assert any(c.value.startswith("Measured now, on this server") for c in at.caption)
    assert all("n^1.00" in cell for cell in at.table[0].value.iloc[:, 0].tolist())


def test_the_timings_command_writes_the_table_and_its_machine(tmp_path):
    import json

    import pandas as pd

    from core.cli import main

    out = tmp_path / "timings.csv"
    assert main(["timings", "--runs", "1", "--out", str(out)]) == 0
    table, meta = pd.read_csv(out), json.loads(out.with_suffix(".json").read_text())
    assert list(table.columns) == ["kind", "n", "run", "seconds"] and (table["seconds"] > 0).all()
    assert {"processor", "cores", "torch", "date", "runs"} <= set(meta) and meta["runs"] == 1
    assert main(["timings", "--runs", "0", "--out", str(out)]) == 2
