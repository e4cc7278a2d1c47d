"""The Stability page (#38) under AppTest, and the shipped measurements behind it: the sweep's records follow
their own rule and are what the command prints; the throughput table's captions read its numbers.  Controls at
min, max and defaults; bad links; a live run (its time cap shortened); the server's job cap; Korean; presenter."""

import itertools
import json
import math
import subprocess
import sys

import numpy as np
import pytest

from core.stability import CURVE_EVERY, LRS, STABILITY_MODELS, WARMUPS, outcome, unigram_bits
from dashboard import cached, stability_view, training_view
from dashboard.i18n import catalog
from tests.apptest_helpers import alert_texts, all_captions, assert_charts_sound, charts, open_page

PAGE = "pages/stability.py"
EN, KO = catalog("en"), catalog("ko")


def _open(query=None):
    return open_page(PAGE, query)


def _records():
    return cached.stability_sweep()


# the shipped sweep ------------------------------------------------------------------------------------------


def test_every_shipped_record_follows_the_outcome_rule():
    unigram = unigram_bits()
    table = _records()
    assert len(table) > 0
    for _, r in table.iterrows():
        curve = [math.nan if v is None else v for v in r["curve"]]
        assert r["outcome"] == outcome(curve, unigram), (r["model"], r["lr"], r["warmup"], r["seed"])
        assert r["diverged"] == (r["outcome"] != "trained")
        assert len(curve) == math.ceil(r["steps_done"] / CURVE_EVERY)
        assert r["steps_done"] == r["steps"] or r["outcome"] == "nan"
        no_loss = r["final_bits"] is None or math.isnan(r["final_bits"])
        assert no_loss == (r["outcome"] == "nan")


def test_the_shipped_sweep_covers_the_full_grid_with_at_least_three_seeds():
    table = _records()
    for model, lr, warmup in itertools.product(STABILITY_MODELS, LRS, WARMUPS):
        part = table[(table["model"] == model) & np.isclose(table["lr"], lr) & (table["warmup"] == warmup)]
        assert part["seed"].nunique() >= 3, (model, lr, warmup)
    assert set(table["steps"]) == {300} and set(table["layers"]) == {6}


def test_a_shipped_row_is_what_the_command_prints():
    """The cheapest shipped run, trained again by the CLI: the same outcome and (to float noise) the same curve."""
    table = _records()
    row = table.loc[table["seconds"].idxmin()]
    args = ["--model", row["model"], "--lr", repr(float(row["lr"])), "--warmup", str(int(row["warmup"]))]
    args += ["--seed", str(int(row["seed"])), "--steps", str(int(row["steps"])), "--layers", str(int(row["layers"]))]
    done = subprocess.run([sys.executable, "-m", "core", "stability", *args, "--format", "json"],
                          capture_output=True, text=True, timeout=900)  # fmt: skip
    assert done.returncode == 0, done.stderr
    again = json.loads(done.stdout)
    assert again["outcome"] == row["outcome"] and again["params"] == row["params"]
    np.testing.assert_allclose(again["curve"], row["curve"], atol=2e-3)
    assert again["final_bits"] == pytest.approx(row["final_bits"], abs=2e-3)


def test_post_norm_at_1e_2_without_warm_up_is_recorded_and_the_page_says_what_it_shows():
    table = _records()
    cell = table[(table["lr"] == 1e-2) & (table["warmup"] == 0)]
    post, pre = cell[cell["model"] == "transformer-post"], cell[cell["model"] == "transformer-pre"]
    assert len(post) and len(pre)
    at = _open({"stab_lr": "0.01", "stab_warmup": "0"})
    text = all_captions(at)
    names, outcomes = stability_view.names(), stability_view.outcome_labels()
    for part, code in ((post, "transformer-post"), (pre, "transformer-pre")):
        counts = part["outcome"].value_counts()
        said = f"{names[code]}: " + ", ".join(f"{outcomes[o]} {n}" for o, n in counts.items())
        assert said in text


# the page ---------------------------------------------------------------------------------------------------


def test_defaults_draw_every_chart_and_the_grid_caption_counts_the_failures():
    at = _open()
    assert_charts_sound(at)
    text = all_captions(at)
    table = _records()
    part = table[table["warmup"] == 0]
    names = stability_view.names()
    for model in STABILITY_MODELS:
        runs = part[part["model"] == model]
        if len(runs):
            assert f"{names[model]} {int((runs['outcome'] != 'trained').sum())}/{len(runs)}" in text
    assert f"{unigram_bits():.2f} bits/char" in text
    grid = next(c for c in charts(at) if any("failed" in f for f in c["data"]))
    cells = next(f for f in grid["data"] if "failed" in f)
    assert cells["failed"].between(0, 1).all() and cells["selected"].sum() == 1


@pytest.mark.parametrize(
    "query",
    [
        {"stab_warmup": str(WARMUPS[0]), "stab_lr": repr(LRS[0])},
        {"stab_warmup": str(WARMUPS[-1]), "stab_lr": repr(LRS[-1])},
        *({"stab_model": m} for m in STABILITY_MODELS),
    ],
)
def test_controls_at_their_ends_and_every_model(query):
    at = _open(query)
    assert_charts_sound(at)
    c = stability_view.StabilityInputs(
        int(query.get("stab_warmup", 0)), query.get("stab_model", "transformer-post"), float(query.get("stab_lr", 1e-2))
    )
    records = stability_view.cell(_records(), c.model, c.lr, c.warmup)
    text = all_captions(at)
    for _, r in records.iterrows():  # each seed's outcome and final loss, as the curves' caption states them
        final = "NaN" if r["final_bits"] is None or math.isnan(r["final_bits"]) else f"{r['final_bits']:.2f}"
        assert f"seed {int(r['seed'])} {stability_view.outcome_labels()[r['outcome']]} (held-out {final}" in text


def test_the_throughput_captions_read_the_table():
    at = _open()
    text = all_captions(at)
    table = cached.throughput_table()
    cpu = table[table["device"] == "cpu"]
    hi = int(cpu["window"].max())
    one = cpu[(cpu["window"] == hi) & (cpu["threads"] == 1)].set_index("model")["chars_per_second"]
    ratio = one["transformer-pre"] / one["lstm"]
    assert f"window {hi}, 1 thread(s): Transformer/LSTM {ratio:.2f}×" in text
    lstm = cpu[(cpu["model"] == "lstm") & (cpu["threads"] == 1)].sort_values("window")
    assert f"grows from {int(lstm['chain'].iloc[0])} at window {int(lstm['window'].iloc[0])}" in text
    verdict = "stab.faster" if ratio > 1 else "stab.not_faster"
    assert EN[verdict].format(window=hi) in text


@pytest.mark.parametrize("query", [{"stab_lr": "5"}, {"stab_warmup": "7"}, {"stab_model": "rnn"}])
def test_a_bad_link_is_ignored_with_a_notice(query):
    at = _open(query)
    assert at.toast and next(iter(query)) in at.toast[0].value
    assert_charts_sound(at)


def test_a_live_run_stops_at_its_time_cap_and_is_drawn_beside_the_shipped_seeds(monkeypatch):
    monkeypatch.setattr(stability_view, "LIVE_SECONDS", 3.0)
    at = _open({"stab_model": "gru", "stab_lr": "0.03", "stab_warmup": "0"})
    at.button(key="stab_train").click().run()
    assert not at.exception, [e.value for e in at.exception]
    text = all_captions(at)
    job = at.session_state[stability_view.JOB_KEY]
    record = job["record"]
    assert record["stopped"] and record["steps_done"] < record["steps"]
    assert EN["stab.live_stopped"].split("{")[0] in text
    live = next(
        c for c in charts(at) if any("run" in f and f["run"].str.startswith("your run").any() for f in c["data"])
    )
    assert live


def test_a_live_run_waits_when_the_server_runs_two_jobs():
    slots = training_view.job_slots()
    taken = [slots.acquire(blocking=False) for _ in range(training_view.MAX_JOBS)]
    try:
        at = _open({"stab_model": "gru"})
        at.button(key="stab_train").click().run()
        assert EN["stab.live_busy"] in alert_texts(at)["warning"]
    finally:
        for ok in taken:
            if ok:
                slots.release()


def test_korean_interface_translates_the_page():
    at = _open({"lang": "ko"})
    assert at.title[0].value == KO["stab.title"]
    text = all_captions(at)
    assert "비트/문자" in text and "트랜스포머" in text


def test_presenter_mode_draws_the_page():
    assert_charts_sound(_open({"present": "1"}))


def test_the_data_readmes_tables_are_the_records():
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "data" / "stability" / "README.md").read_text()
    table = _records()
    for warmup, block in zip(WARMUPS, text.split("Warm-up ")[1:], strict=True):
        assert block.startswith(f"{warmup} steps")
        rows = [line for line in block.splitlines() if line.startswith("| `")]
        assert len(rows) == len(STABILITY_MODELS)
        for row in rows:
            cells = [c.strip() for c in row.strip("|").split("|")]
            model = cells[0].strip("`")
            for lr, cell in zip(LRS, cells[1:], strict=True):
                part = table[(table["model"] == model) & np.isclose(table["lr"], lr) & (table["warmup"] == warmup)]
                failed = int((part["outcome"] != "trained").sum())
                assert cell == f"{failed}/{len(part)} ({part['final_bits'].median():.2f})", (model, lr, warmup)


@pytest.mark.parametrize(
    ("failures", "key"),
    [({"lstm": 0, "gru": 3, "pre": 0, "post": 9}, "same"), ({"lstm": 2, "gru": 3, "pre": 0, "post": 9}, "less"),
     ({"lstm": 0, "gru": 0, "pre": 1, "post": 0}, "more")],
)  # fmt: skip
def test_the_verdict_compares_the_pre_norm_transformer_with_the_steadier_recurrent_model(failures, key):
    import pandas as pd

    rows = []
    for code, model in (("lstm", "lstm"), ("gru", "gru"), ("pre", "transformer-pre"), ("post", "transformer-post")):
        rows += [{"model": model, "outcome": "plateau" if k < failures[code] else "trained"} for k in range(24)]
    text = stability_view.verdict(pd.DataFrame(rows))
    assert text.endswith(EN[f"stab.verdict_{key}"].format(post=failures["post"], runs=24))
    assert f"LSTM {failures['lstm']}/24 · GRU {failures['gru']}/24" in text


def test_the_loss_curves_keep_their_spec_across_cells_and_colour_each_run_by_its_outcome():
    """A move changes the runs (their names, their outcomes): only the tables change, so the browser swaps them
    into the drawn chart.  Each run is drawn in its outcome's colour, the i-th seed with the i-th dash."""
    from dashboard.charts.style import SCREEN

    specs, outcomes = set(), set()
    for warmup, model, lr in itertools.product(WARMUPS, STABILITY_MODELS, LRS):
        section = stability_view.curves_section(stability_view.StabilityInputs(warmup, model, lr), SCREEN)
        if section.figure is None:
            continue
        specs.add(section.figure.spec)
        spec, table = json.loads(section.figure.spec), section.figure.data["curves"]
        scale = spec["layer"][0]["encoding"]["color"]["scale"]
        colour = dict(zip(scale["domain"], scale["range"], strict=True))
        records = stability_view.cell(_records(), model, lr, warmup)
        for rank, (_, record) in enumerate(records.iterrows()):
            rows = table[table["key"].str.startswith(f"{rank:02d} seed {int(record['seed'])}:")]
            label = EN[f"stab.outcome_{record['outcome']}"]
            assert len(rows) and (rows["group"] == label).all()
            assert colour[label] == stability_view.OUTCOME_COLORS[record["outcome"]]
            outcomes.add(record["outcome"])
    assert len(specs) == 1 and len(outcomes) > 1
