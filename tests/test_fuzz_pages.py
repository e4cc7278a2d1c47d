"""hypothesis drives every page's controls through the URL (mostly valid values, sometimes
garbage): no exception, and every chart's numbers finite or explicitly marked "no path"."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.remedies_view import SECTIONS
from dashboard.rnn_view import DETAILS
from tests.apptest_helpers import APP, assert_charts_sound

pytestmark = pytest.mark.slow  # hypothesis drives every page through its URL

VIEWS = {"remedy", "rnn_detail"}  # what a page shows (Remedies' section, the RNN lab's closer look): not in the URL

GARBAGE = st.one_of(st.text(max_size=6), st.sampled_from(["nan", "inf", "-1", "1e309", "<b>x</b>", ""]))


def maybe(valid):
    return st.one_of(valid, valid, valid, GARBAGE)


def num(lo, hi, step=None):
    values = (
        st.integers(lo, hi)
        if step is None
        else st.integers(0, int(round((hi - lo) / step))).map(lambda k: round(lo + k * step, 2))
    )
    return maybe(values.map(str))


SHARED = {
    "seq_len": num(2, 2000),
    "weight_scale": num(0.05, 2.0, 0.01),
    "hidden_size": num(4, 128, 4),
    "seed": num(0, 9999),
}
PAGES = {
    "pages/vanishing_exploding.py": {
        **SHARED,
        "input_scale": num(0, 3, 0.05),
        "nonlinearity": maybe(st.sampled_from(["tanh", "relu", "linear"])),
        "init": maybe(st.sampled_from(["orthogonal", "gaussian", "nonnormal"])),
        "rnn_detail": st.sampled_from(sorted(DETAILS)),  # the closer look shown (session state, like the section)
    },
    "pages/remedies.py": {
        **SHARED,
        "window": num(1, 2000),
        "forget_bias": num(-2, 8, 0.5),
        "update_bias": num(-2, 8, 0.5),
        "clip": maybe(st.sampled_from(["0.01", "1.0", "1000.0"])),
        "remedy": st.sampled_from(SECTIONS),  # the section shown (not in the URL: picked as the selector does)
    },
    "pages/attention.py": {
        "att_d": maybe(st.sampled_from(["16", "32", "64", "128"])),
        "att_heads": maybe(st.sampled_from(["1", "2", "4", "8"])),
        "att_layers": num(1, 4),
        "att_pe": maybe(st.sampled_from(["true", "false"])),
        "att_window": num(0, 64),
        "att_mode": maybe(st.sampled_from(["sentence", "random"])),
        "att_seq_len": num(2, 600),
        "att_text": maybe(st.text(max_size=80)),
    },
    "pages/head_to_head.py": {
        **SHARED,
        "h2h_window": num(2, 64),
        "h2h_n": maybe(st.sampled_from(["16", "256", "2048"])),
    },
    "pages/depth.py": {
        "depth_layers": num(1, 100),
        "depth_width": num(8, 256, 8),
        "depth_scale": num(0.1, 3.0, 0.05),
        "depth_seed": num(0, 9999),
        "depth_activation": maybe(st.sampled_from(["sigmoid", "tanh", "relu"])),
        "depth_init": maybe(st.sampled_from(["xavier", "he", "orthogonal"])),
        "depth_residual": maybe(st.sampled_from(["true", "false"])),
        "depth_norm": maybe(st.sampled_from(["true", "false"])),
        "unroll_seq_len": num(2, 500),
        "unroll_weight_scale": num(0.5, 1.5, 0.01),
        "unroll_phi": maybe(st.sampled_from(["tanh", "relu", "linear"])),
        "unroll_init": maybe(st.sampled_from(["orthogonal", "gaussian", "nonnormal"])),
        "stack_layers": num(1, 8),
        "stack_seq_len": num(2, 500),
        "stack_weight_scale": num(0.5, 1.5, 0.01),
        "stack_phi": maybe(st.sampled_from(["tanh", "relu", "linear"])),
        "stack_init": maybe(st.sampled_from(["orthogonal", "gaussian", "nonnormal"])),
        "tdepth_layers": num(1, 24),
        "tdepth_seed": num(0, 9999),
    },
    "pages/real_transformer.py": {
        "real_text": maybe(st.sampled_from(["trophy", "animal", "keys", "genesis", "ruth", "own", "bogus"])),
        "real_own": maybe(st.text(max_size=300)),
        "real_layer": num(1, 6),
        "real_head": num(1, 12),
        "real_seed": num(0, 9999),
    },
    "pages/real_text.py": {
        "text_span": num(16, 1000),
        "text_temperature": num(0.1, 2.0, 0.05),
        "text_seed": num(0, 9999),
        "text_length": num(20, 1000, 10),
        "text_prompt": maybe(st.text(max_size=60)),
        "text_own": maybe(st.text(max_size=300)),
    },
    "pages/retrieval.py": {
        "copy_text": maybe(st.text(max_size=700)),
        "copy_gap": num(0, 1000, 8),
    },
    "pages/stability.py": {
        "stab_warmup": maybe(st.sampled_from(["0", "100"])),
        "stab_lr": maybe(st.sampled_from(["0.001", "0.003", "0.01", "0.03"])),
        "stab_model": maybe(st.sampled_from(["lstm", "gru", "transformer-pre", "transformer-post"])),
        "stab_seed": num(0, 99),
    },
    "pages/comeback.py": {
        "cb_seq_len": num(2, 2000),
        "cb_r_min": num(0.0, 0.99, 0.01),
        "cb_r_max": maybe(st.sampled_from(["0.5", "0.9", "0.99", "0.999", "0.9999", "0.9995"])),
        "cb_bias": num(-8, 2, 0.5),
        "cb_seed": num(0, 9999),
    },
    "pages/training.py": {
        "train_model": maybe(st.sampled_from(["rnn", "transformer", "lru", "mingru"])),
        "train_seq_len": num(2, 200),
        "train_steps": num(20, 2000, 20),
        "train_forget_bias": num(-2, 8, 0.5),
        "train_update_bias": num(-2, 8, 0.5),
    },
}
EXAMPLES = {
    "pages/vanishing_exploding.py": 80,
    "pages/remedies.py": 60,
    "pages/attention.py": 80,
    "pages/head_to_head.py": 50,
    "pages/training.py": 40,
    "pages/depth.py": 40,
    "pages/real_transformer.py": 30,
    "pages/real_text.py": 20,
    "pages/retrieval.py": 12,
    "pages/stability.py": 12,
    "pages/comeback.py": 30,
}  # 454 in all


def _case(page):
    controls = PAGES[page]
    return st.fixed_dictionaries({}, optional=controls)


def _check(page, query):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        if key in VIEWS:  # picked as the selector does
            at.session_state[key] = value
        else:
            at.query_params[key] = value
    at.switch_page(page).run()
    assert not at.exception, (query, [e.value for e in at.exception])
    assert_charts_sound(at)


def _test(page):
    @settings(
        max_examples=EXAMPLES[page], deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
    )
    @given(query=_case(page))
    def run(query):
        _check(page, query)

    return run


test_fuzz_rnn_page = _test("pages/vanishing_exploding.py")
test_fuzz_remedies_page = _test("pages/remedies.py")
test_fuzz_attention_page = _test("pages/attention.py")
test_fuzz_head_to_head_page = _test("pages/head_to_head.py")
test_fuzz_training_page = _test("pages/training.py")
test_fuzz_depth_page = _test("pages/depth.py")
test_fuzz_real_transformer_page = _test("pages/real_transformer.py")
test_fuzz_real_text_page = _test("pages/real_text.py")
test_fuzz_retrieval_page = _test("pages/retrieval.py")
test_fuzz_stability_page = _test("pages/stability.py")
test_fuzz_comeback_page = _test("pages/comeback.py")
