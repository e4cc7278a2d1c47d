"""A ready 20-minute talk: an ordered list of scenes, each a page with its settings and a one-line
speaker note, shown in the sidebar in presenter mode with Previous and Next.

A scene is a link to its page with `?scene=N`: arriving there writes every control of the page (its
defaults, with the scene's settings over them), and the sidebar shows where the talk stands.  Each note
states only what the page shows at that scene's settings (tests/test_talk.py checks the numbers behind
each one).
"""

from __future__ import annotations

import streamlit as st

from .frame import PRESENTER_KEY, presenter
from .i18n import DEFAULT_LANGUAGE, LANGUAGE_KEY, language, t

SCENE_KEY = "scene"  # URL parameter: the scene shown, 1-based
APPLIED_KEY = "_scene_applied"  # session state: the scene whose settings were last written into the controls
# Every control a scene may change, at its default.  Entering a scene writes all of its page's controls:
# the session keeps a control's value across pages and scenes (and pages share T, ρ, H and the seed).
SHARED = {"seq_len": 100, "weight_scale": 0.9, "hidden_size": 64, "seed": 0}
PAGE_DEFAULTS = {
    "pages/vanishing_exploding.py": {
        **SHARED,
        "nonlinearity": "tanh",
        "init": "orthogonal",
        "input_scale": 1.0,
        "rnn_detail": "eigenvalues",
    },
    "pages/remedies.py": {**SHARED, "remedy": "truncation", "window": 20, "forget_bias": 1.0, "clip": 1.0},
    "pages/attention.py": {
        **{"att_d": 64, "att_heads": 4, "att_layer": 1, "att_level": "word"},
        "att_text": "The cat that the dog chased all morning finally sat down on the mat by the door.",
        "att_mode": "sentence",
        "att_seq_len": 256,
        "att_pe": True,
        "att_window": 0,
        "att_layers": 2,
    },
    "pages/head_to_head.py": {**SHARED, "h2h_n": 256, "h2h_window": 8},
    "pages/comeback.py": {"cb_seq_len": 1000, "cb_r_min": 0.9, "cb_r_max": 0.999, "cb_bias": -3.0, "cb_seed": 0},
    "pages/depth.py": {
        **{f"depth_{k}": v for k, v in {"layers": 30, "width": 64, "scale": 1.0, "seed": 0}.items()},
        **{"depth_activation": "sigmoid", "depth_init": "xavier", "depth_residual": False, "depth_norm": False},
        **{"unroll_seq_len": 100, "unroll_weight_scale": 1.0, "unroll_phi": "tanh", "unroll_init": "orthogonal"},
        **{"stack_layers": 4, "stack_seq_len": 100, "stack_weight_scale": 1.0, "stack_phi": "tanh"},
        **{"stack_init": "orthogonal", "tdepth_layers": 24, "tdepth_seed": 0},
    },
    "pages/real_transformer.py": {"real_text": "trophy", "real_layer": 5, "real_head": 4, "real_seed": 0},
    "pages/real_text.py": {
        **{"text_span": 1000, "text_prompt": "And the LORD said unto", "text_length": 300},
        **{"text_temperature": 0.8, "text_seed": 0},
    },
    "pages/retrieval.py": {
        "copy_gap": 128,
        "copy_text": "And we know that all things work together for good to them that love God, "
        "to them who are the called according to his purpose.",
    },
    "pages/stability.py": {"stab_warmup": 0, "stab_model": "transformer-post", "stab_lr": 0.01, "stab_seed": 0},
}
SCENES = (  # (code: talk.<code>_title and talk.<code>_note, page, the controls it changes)
    ("question", "pages/home.py", {}),
    ("vanishing", "pages/vanishing_exploding.py", {}),
    ("exploding", "pages/vanishing_exploding.py", {"nonlinearity": "linear", "weight_scale": 1.1}),
    ("saturation", "pages/vanishing_exploding.py", {"weight_scale": 1.5, "rnn_detail": "rates"}),
    ("boundary", "pages/vanishing_exploding.py", {"nonlinearity": "linear", "rnn_detail": "map"}),
    ("depth", "pages/depth.py", {}),
    ("truncation", "pages/remedies.py", {"seq_len": 300, "window": 50}),
    ("gates", "pages/remedies.py", {"remedy": "gates", "seq_len": 1000, "forget_bias": 3.0}),
    ("clipping", "pages/remedies.py", {"remedy": "clipping"}),
    ("training", "pages/training.py", {}),
    ("one_hop", "pages/attention.py", {"att_mode": "random", "att_seq_len": 256}),
    ("order", "pages/attention.py", {"att_pe": False}),
    ("real", "pages/real_transformer.py", {}),
    ("real_text", "pages/real_text.py", {}),
    ("retrieval", "pages/retrieval.py", {}),
    ("stability", "pages/stability.py", {}),
    ("table", "pages/head_to_head.py", {}),
    ("comeback", "pages/comeback.py", {}),
)


def scene_settings(number: int) -> dict:
    """Every control of scene `number`'s page: its defaults, with the scene's own settings over them."""
    _, page, settings = SCENES[number - 1]
    return {**PAGE_DEFAULTS.get(page, {}), **settings}


def scene_link(number: int) -> tuple[str, dict]:
    """(page, URL parameters) of scene `number` (1-based): the scene, presenter mode and the language."""
    params = {SCENE_KEY: str(number), PRESENTER_KEY: "1"}
    if language() != DEFAULT_LANGUAGE:
        params[LANGUAGE_KEY] = language()
    return SCENES[number - 1][1], params


def enter_scene() -> None:
    """On arriving at a scene (the URL names one this session has not just set up), write its page's
    controls, before the page draws them; moving a slider within the scene changes nothing here."""
    number = current_scene()
    if number is None or st.session_state.get(APPLIED_KEY) == number:
        return
    st.session_state[APPLIED_KEY] = number
    for key, value in scene_settings(number).items():
        st.session_state[key] = value


def current_scene() -> int | None:
    """The scene the URL names, if it names one that exists."""
    raw = st.query_params.get(SCENE_KEY, "")
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= len(SCENES) else None


def talk_ui() -> None:
    """The talk in the sidebar (presenter mode only): where it stands, the speaker note, Previous and Next."""
    enter_scene()
    if not presenter():
        return
    number = current_scene()
    with st.sidebar:
        st.divider()
        st.subheader(t("talk.title"))
        if number is None:
            page, params = scene_link(1)
            st.page_link(page, label=t("talk.start"), icon=":material/slideshow:", query_params=params)
            return
        code = SCENES[number - 1][0]
        st.markdown(f"**{number} / {len(SCENES)} · {t(f'talk.{code}_title')}**")
        st.caption(t(f"talk.{code}_note"))
        previous, following = st.columns(2)
        if number > 1:
            page, params = scene_link(number - 1)
            previous.page_link(page, label=t("talk.previous"), icon=":material/arrow_back:", query_params=params)
        if number < len(SCENES):
            page, params = scene_link(number + 1)
            following.page_link(page, label=t("talk.next"), icon=":material/arrow_forward:", query_params=params)
