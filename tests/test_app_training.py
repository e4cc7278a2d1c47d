"""AppTest runs of the Training page: the stored sweep, small live jobs, stop, busy, Korean."""

import pytest

from dashboard import training_view
from dashboard.i18n import catalog
from tests.apptest_helpers import APP, assert_charts_sound, run_app

PAGE = "pages/training.py"
EN, KO = catalog("en"), catalog("ko")


def _open(query=None):
    at = run_app({k: str(v) for k, v in (query or {}).items()}, page=PAGE)
    assert not at.exception, [e.value for e in at.exception]
    return at


def _train(at, **controls):
    for key, value in controls.items():
        widget = at.get_by_key(f"train_{key}")
        widget.set_value(value)
    at.button(key="train_button").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_stored_sweep_draws_instantly_with_its_caption():
    at = _open()
    assert at.title[0].value == EN["train.title"]
    assert_charts_sound(at)
    assert any("data/sweep.csv" in c.value for c in at.caption)
    assert at.button(key="train_button").disabled is False


@pytest.mark.parametrize("model", ["rnn", "lstm", "gru", "birnn"])
def test_a_small_recurrent_job_shows_its_result_and_curves(model):
    at = _train(_open(), model=model, seq_len=8, steps=40)
    alerts = [a.value for a in at.success] + [a.value for a in at.info]
    assert any(text.startswith(("Solved", "Finished")) and "Accuracy on 1024" in text for text in alerts)
    found = assert_charts_sound(at)
    curves = [c for c in found if any("step" in frame for frame in c["data"])]
    fields = {col for c in curves for frame in c["data"] for col in frame} & {"loss", "accuracy", "log10_first_grad"}
    assert fields == {"loss", "accuracy", "log10_first_grad"}  # the job's three curves, beside the sweep
    job = at.session_state[training_view.JOB_KEY]
    assert len(job["history"]) == job["result"]["steps"] <= 40


def test_a_transformer_job_shows_where_it_looks():
    at = _train(_open(), model="transformer", seq_len=10, steps=100)
    assert EN["train.attention_title"] in [s.value for s in at.subheader]
    found = assert_charts_sound(at)
    weights = found[-1]["data"][0]
    assert set(weights["position"]) == set(range(10))


def test_adding_reports_mse():
    at = _train(_open(), model="gru", task="adding", seq_len=6, steps=60)
    assert any("MSE on 1024" in a.value for a in [*at.info, *at.success])


@pytest.mark.slow
@pytest.mark.parametrize("seq_len,steps", [(2, 20), (200, 20)])
def test_controls_at_their_extremes(seq_len, steps):
    _train(_open(), model="transformer", seq_len=seq_len, steps=steps)


def test_results_stay_after_a_rerun_and_an_interrupted_job_reads_as_stopped():
    at = _train(_open(), model="lstm", seq_len=6, steps=30)
    drawn = len(at.get("vega_lite_chart"))
    at.run()
    assert len(at.get("vega_lite_chart")) == drawn
    job = at.session_state[training_view.JOB_KEY]
    job["status"] = "running"  # what a Stop click or a page switch leaves behind
    at.run()
    assert any(a.value == EN["train.status_stopped"].format(step=len(job["history"])) for a in at.info)


def test_a_full_server_refuses_a_new_job_politely():
    slots = training_view.job_slots()
    taken = [slots.acquire(blocking=False) for _ in range(training_view.MAX_JOBS)]
    try:
        at = _train(_open(), model="rnn", seq_len=6, steps=20)
        assert any(a.value == EN["train.status_busy"] for a in at.warning)
    finally:
        for ok in taken:
            if ok:
                slots.release()


def test_korean():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state["lang"] = "ko"
    at.switch_page(PAGE).run()
    assert not at.exception and at.title[0].value == KO["train.title"]
    assert at.button(key="train_button").label == KO["train.train_button"]


def test_results_survive_a_page_switch():
    at = _train(_open(), model="gru", seq_len=6, steps=30)
    drawn = len(at.get("vega_lite_chart"))
    at.switch_page("pages/remedies.py").run()
    assert not at.exception
    at.switch_page(PAGE).run()
    assert not at.exception
    assert any(a.value.startswith(("Solved", "Finished")) for a in [*at.success, *at.info])
    assert len(at.get("vega_lite_chart")) == drawn


def test_a_solved_run_that_hit_the_time_cap_reads_as_solved():
    from dashboard.i18n import speaking

    job = {
        "status": "solved",
        "config": {"task": "recall"},
        "history": [{}] * 97,
        "result": {"final_accuracy": 1.0, "chance_accuracy": 0.25, "seconds": 60.2, "capped": True},
    }
    with speaking("en"):
        kind, text = training_view._status_text(job)
    assert kind == "success" and text.startswith("Solved after 97 steps") and "60-second limit" in text
    assert "Stopped at" not in text


def test_the_accuracy_chart_ticks_its_lengths_and_lists_only_the_models_it_draws():
    """#20: the log axis was ticked at 8/16/32 while the data sat at 10/20/40, and the live re-run's legend
    listed five models while it drew two."""
    import pandas as pd

    from dashboard.charts.style import SCREEN
    from dashboard.i18n import speaking

    live = pd.DataFrame(
        {"model": ["rnn", "transformer"] * 3, "seq_len": [10, 10, 20, 20, 40, 40], "seed": 0, "accuracy": 0.5}
    )
    with speaking("en"):
        spec = training_view.sweep_chart(training_view.sweep_data(live), 0.25, SCREEN).to_dict()
    lines = next(layer for layer in spec["layer"] if layer["mark"].get("point"))
    assert spec["layer"][0]["encoding"]["x"]["axis"]["values"] == [10, 20, 40]
    assert lines["encoding"]["color"]["scale"]["domain"] == ["rnn", "transformer"]
