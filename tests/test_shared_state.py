"""No session mutates what sessions share.

Shared between the sessions of one server are: the module-level objects of core/ and dashboard/
(registries, ranges, colour tables, the i18n catalogues), the ByteCache entries, and the
st.cache_resource objects.  The tests below show that
- running every page, in several sessions with different controls and languages, leaves every
  module-level object of core/ and dashboard/ bit-for-bit as it was;
- every shared data cache (a ByteCache) hands each caller its own copy: emptying a returned table in
  place does not reach the next caller;
- the only st.cache_resource is the training-job semaphore, which is meant to be shared and is
  thread-safe.
"""

import dataclasses
import hashlib
import importlib
import json
import math
import pkgutil
import sys
import threading
import types

import numpy as np
import pandas as pd
import pytest
import torch
from streamlit.runtime.caching.cache_type import CacheType
from streamlit.runtime.caching.cache_utils import CachedFunc

from dashboard import attention_view, cached, export, training_view
from dashboard.bytecache import ByteCache
from dashboard.charts.style import SCREEN
from dashboard.figure import Figure
from dashboard.i18n import catalog, speaking
from tests.apptest_helpers import run_app

PAGES = (
    None,
    "pages/vanishing_exploding.py",
    "pages/remedies.py",
    "pages/training.py",
    "pages/attention.py",
    "pages/head_to_head.py",
    "pages/depth.py",
    "pages/real_transformer.py",
    "pages/real_text.py",
    "pages/retrieval.py",
    "pages/stability.py",
    "pages/comeback.py",
)
SESSIONS = (  # (URL parameters, language) of each simulated visitor
    ({}, "en"),
    ({"seq_len": "2000", "weight_scale": "2.0", "hidden_size": "128", "att_mode": "random"}, "ko"),
    ({"seq_len": "2", "weight_scale": "0.05", "nonlinearity": "linear", "init": "gaussian"}, "en"),
)


def fingerprint(obj, depth: int = 0) -> str:
    """A digest of an object's contents (tables, arrays and tensors by their bytes)."""
    h = hashlib.sha256()
    if depth > 6:
        h.update(repr(type(obj)).encode())
    elif isinstance(obj, pd.DataFrame):
        h.update(repr((list(obj.columns), list(obj.dtypes.astype(str)), obj.shape)).encode())
        h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
    elif isinstance(obj, pd.Series):
        h.update(pd.util.hash_pandas_object(obj, index=True).to_numpy().tobytes())
    elif isinstance(obj, np.ndarray):
        h.update(repr((obj.dtype, obj.shape)).encode() + np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, torch.Tensor):
        h.update(repr((obj.dtype, tuple(obj.shape))).encode() + obj.detach().contiguous().numpy().tobytes())
    elif isinstance(obj, dict):
        for key, value in obj.items():
            h.update(repr(key).encode() + fingerprint(value, depth + 1).encode())
    elif isinstance(obj, (list, tuple)):
        for value in obj:
            h.update(fingerprint(value, depth + 1).encode())
    elif isinstance(obj, (set, frozenset)):
        h.update(repr(sorted(map(repr, obj))).encode())
    else:
        h.update(repr(obj).encode())
    return h.hexdigest()


SHARED_TYPES = (dict, list, set, pd.DataFrame, pd.Series, np.ndarray, torch.Tensor, tuple)


def shared_objects() -> dict[str, object]:
    """Every module-level container of core/ and dashboard/, plus the cached i18n catalogues."""
    found = {f"catalog:{lang}": catalog(lang) for lang in ("en", "ko")}
    for name, module in list(sys.modules.items()):
        if not name.startswith(("core", "dashboard")) or not isinstance(module, types.ModuleType):
            continue
        for attr, value in vars(module).items():
            if not attr.startswith("__") and isinstance(value, SHARED_TYPES):
                found[f"{name}.{attr}"] = value
    return found


def _import_everything() -> None:
    """Import every module of core/ and dashboard/ without running any page."""
    import core
    import dashboard

    for package in (core, dashboard):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):
                importlib.import_module(info.name)


def test_running_every_page_in_several_sessions_leaves_shared_objects_untouched():
    _import_everything()  # before any page has run
    before = {name: fingerprint(obj) for name, obj in shared_objects().items()}
    assert len(before) > 30  # registries, ranges, label tables, catalogues ...
    for query, lang in SESSIONS:
        for page in PAGES:
            at = run_app(query, page=page)
            if lang != "en":
                at.session_state["lang"] = lang
                at.run()
            assert not at.exception, (page, query, [e.value for e in at.exception])
    after = {name: fingerprint(obj) for name, obj in shared_objects().items()}
    changed = [name for name in before if after.get(name) != before[name]]
    assert changed == []


def _cached_functions(kind: CacheType | type) -> dict[str, CachedFunc]:
    """Every st.cache_* function of `kind`, or every ByteCache (kind=ByteCache), by name: found by scanning
    every module of dashboard/, not from a list."""
    _import_everything()
    found = {}
    modules = [m for name, m in list(sys.modules.items()) if name.startswith("dashboard") and m is not None]
    assert cached in modules and len(modules) > 15
    for module in modules:
        for attr, value in vars(module).items():
            if kind is ByteCache and isinstance(value, ByteCache):
                found[f"{module.__name__}.{attr}"] = value
            elif isinstance(value, CachedFunc) and value._info.cache_type is kind:
                found[f"{module.__name__}.{attr}"] = value
    return found


def _calls() -> dict:
    """Arguments for one call of every shared data cache (small, fast settings)."""
    from core.depth import DepthConfig

    config = attention_view.TransformerConfig(16, 2, 1, True, 0)
    words = "In the beginning God created the heaven and the earth."
    return {
        "dashboard.cached.probe": (("rnn", 40), {"hidden_size": 8}),
        "dashboard.cached.clipping": ((1.0, 40, 8, 0), {}),
        "dashboard.cached.rnn_lab": ((40, 0, 1.0, 8, 0.9, "tanh", "orthogonal"), {}),
        "dashboard.cached.rnn_sweep": ((40, 8, "tanh", "orthogonal", 1.0, 0), {}),
        "dashboard.cached.rnn_rates": ((8, 0.9, "tanh", "orthogonal", 0), {}),
        "dashboard.cached.order_blindness": ((config, 8), {}),
        "dashboard.cached.attention_maps": ((config, ("the", "cat", "sat", "down"), "sentence", 48), {}),
        "dashboard.cached.trained_and_untrained": ((), {}),
        "dashboard.cached.shipped_timings": (((cached.DATA / "timings.csv").stat().st_mtime,), {}),
        "dashboard.cached.timings_now": (((16, 32), 4, 3), {}),
        "dashboard.cached.path_lengths": ((64, 3, 32), {}),
        "dashboard.cached.sweep_table": ((training_view.SWEEP_CSV.stat().st_mtime,), {}),
        "dashboard.cached.lru_lab": ((300, 0, 0.9, 0.999), {}),
        "dashboard.cached.rnn_eigenvalues": ((0.9, 0), {}),
        "dashboard.cached.scan_speedups": (((cached.DATA / "scan.csv").stat().st_mtime,), {}),
        "dashboard.cached.depth_gradient": ((DepthConfig(layers=5, width=8),), {}),
        "dashboard.cached.depth_bound": ((DepthConfig(layers=5, width=8),), {}),
        "dashboard.cached.unrolled": ((20, 8, 0.9, "tanh", "orthogonal", False), {}),
        "dashboard.cached.stacked_rnn": ((2, 20, 8, 0.9, "tanh", "orthogonal"), {}),
        "dashboard.cached.transformers_in_depth": ((2, 0), {}),
        "dashboard.cached.minilm_analysis": ((words, 8), {}),
        "dashboard.cached.minilm_head": ((words, 1, 1), {}),
        "dashboard.cached.minilm_profile": ((words, 0), {}),
        "dashboard.cached.lm_gradients": ((words,), {}),
        "dashboard.cached.lm_surprises": ((words,), {}),
        "dashboard.cached.lm_samples": (("And God said", 20, 0.8, 0), {}),
        "dashboard.cached.copy_demo": (("And God said", "unto Moses, "), {}),
    }


def _vandalise(value) -> None:
    """What a careless page could do to a result it was handed: change it in place."""
    if isinstance(value, pd.DataFrame):
        value.drop(value.index, inplace=True)
        value["vandal"] = []
    elif isinstance(value, dict):
        value.clear()
        value["vandal"] = math.nan
    elif isinstance(value, (tuple, list)):
        for item in value:
            _vandalise(item)
        if isinstance(value, list):
            value.clear()
    elif isinstance(value, np.ndarray):
        value.fill(np.nan)


def test_every_data_cache_is_bounded_in_bytes_and_hands_out_copies():
    assert _cached_functions(CacheType.DATA) == {}  # every data cache is a ByteCache (bounded in bytes)
    assert cached.load_minilm()  # the real model's caches need it loaded
    functions, calls = _cached_functions(ByteCache), _calls()
    assert set(functions) == set(calls), "a cached function without an entry here is untested"
    for name, (args, kwargs) in calls.items():
        first = functions[name](*args, **kwargs)
        expected = fingerprint(first)
        _vandalise(first)
        assert fingerprint(first) != expected or first is None, f"{name}: the vandalism changed nothing"
        again = functions[name](*args, **kwargs)
        assert fingerprint(again) == expected, f"{name}: a caller's in-place change reached the next caller"


def test_the_only_shared_resource_is_the_thread_safe_job_semaphore():
    resources = _cached_functions(CacheType.RESOURCE)
    assert {id(f) for f in resources.values()} == {id(training_view.job_slots)}  # Stability's live run imports it
    assert "dashboard.training_view.job_slots" in resources
    slots = resources["dashboard.training_view.job_slots"]()
    assert slots is training_view.job_slots()  # one object for every session, by design
    assert isinstance(slots, type(threading.BoundedSemaphore()))


def _memo_caches() -> dict:
    """Every Figure cache of dashboard.figure.memo: function name -> its OrderedDict."""
    _import_everything()
    found = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("dashboard") and isinstance(module, types.ModuleType):
            for attr, value in vars(module).items():
                if callable(value) and isinstance(getattr(value, "cache", None), dict):
                    found[f"{name}.{attr}"] = value.cache
    return found


def _contents(value):
    """What a memoized result holds: a Figure's spec and tables, a dataclass's fields, in full."""
    if isinstance(value, Figure):
        return (value.spec, value.data, value.arrow)
    if dataclasses.is_dataclass(value):
        return tuple(_contents(getattr(value, f.name)) for f in dataclasses.fields(value))
    return value


def _figures(value) -> list:
    if isinstance(value, Figure):
        return [value]
    if dataclasses.is_dataclass(value):
        return [f for field in dataclasses.fields(value) for f in _figures(getattr(value, field.name))]
    return []


def _figure_prints(caches: dict) -> dict:
    return {
        (name, key): fingerprint(_contents(value))
        for name, cache in caches.items()
        for key, value in list(cache.items())
    }


@pytest.mark.slow
def test_shared_figures_are_never_changed_by_the_sessions_that_draw_them():
    """Memoized Figures are handed to every session as they are: drawing, exporting and reading
    their tables in other sessions (other languages, other controls) leaves each one as built."""
    caches = _memo_caches()
    assert {
        "dashboard.attention_view._maps_figure",
        "dashboard.rnn_view.build",
        "dashboard.remedies_view._gates",
        "dashboard.h2h_view._all_models",
    } <= set(caches)
    pages = ("pages/attention.py", "pages/vanishing_exploding.py", "pages/remedies.py", "pages/head_to_head.py")
    for page in pages:
        run_app(page=page)
    before = _figure_prints(caches)
    assert len(before) >= 10
    for query, lang in SESSIONS:
        for page in pages:
            at = run_app({**query, "lang": lang}, page=page)
            assert not at.exception
    for cache in caches.values():  # what every session downloads reads the same objects
        for value in list(cache.values()):
            for figure in _figures(value):
                export.chart_table(figure).to_csv()
                export.vega_spec(figure)
    after = _figure_prints(caches)
    assert [k for k in before if k in after and after[k] != before[k]] == []


def test_a_shared_figure_speaks_the_language_it_is_cached_under():
    """The memo key holds the language t() speaks at the call, and the builder runs in it: a Korean
    visitor's run never caches (or gets) English labels, nor the reverse."""
    from dashboard import rnn_view
    from dashboard.controls import RnnControls

    controls = RnnControls(seq_len=30, hidden_size=8)
    rnn_view.build.cache.clear()
    run_app({"seq_len": "30", "hidden_size": "8", "lang": "ko"}, page="pages/vanishing_exploding.py")
    english = rnn_view.build(controls, SCREEN)  # asked outside any Korean session
    assert next(v for k, v in rnn_view.build.cache.items() if "ko" in repr(k))  # the Korean visit's own
    with speaking("ko"):  # outside any session, in Korean
        korean = rnn_view.build(RnnControls(seq_len=31, hidden_size=8), SCREEN)

    def text(fig) -> str:
        return json.dumps(json.loads(fig.spec), ensure_ascii=False)

    for view, lang in ((english, "en"), (korean, "ko")):
        assert catalog(lang)["rnn.axis_distance"] in text(view.gradient)
        assert catalog(lang)["rnn.axis_re"] in text(view.eigenvalues)
        with speaking(lang):
            assert catalog(lang)["rnn.axis_scale"] in text(rnn_view.weight_map(controls, SCREEN))
    assert catalog("ko")["rnn.axis_distance"] not in text(english.gradient)
    assert catalog("en")["rnn.axis_distance"] not in text(korean.gradient)


def test_heavy_computations_run_one_at_a_time(monkeypatch):
    """Five visitors opening the heaviest links at once took the server to 971 MB: a Transformer's probe,
    a 40-scale sweep, a long recurrent probe, the clipping table and the attention maps now wait for each
    other (on a cache miss)."""
    import threading
    import time

    from dashboard import cached as cached_module

    running, peak, lock = [0], [0], threading.Lock()

    def slow(*args, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.05)
        with lock:
            running[0] -= 1
        return pd.DataFrame({"x": [1]})

    monkeypatch.setattr(cached_module, "gradient_through_time", slow)
    monkeypatch.setattr(cached_module, "weight_scale_sweep", slow)

    def peak_of(calls) -> int:
        """Run `calls` in threads at once: the most that computed side by side."""
        peak[0] = 0
        threads = [threading.Thread(target=call) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return peak[0]

    heavy = [lambda i=i: cached_module.probe("transformer", 10 + i, hidden_size=8) for i in range(4)] + [
        lambda i=i: cached_module.rnn_sweep(20 + i, 8, "tanh", "orthogonal", 1.0, 0) for i in range(4)
    ]
    assert peak_of(heavy) == 1
    # a long recurrent probe is heavy too: T·H² = 2000·64²
    assert peak_of([lambda i=i: cached_module.probe("lstm", 2000 + i, hidden_size=64) for i in range(4)]) == 1
    # a short recurrent probe is light: it does not wait
    assert peak_of([lambda i=i: cached_module.probe("rnn", 30 + i, hidden_size=8) for i in range(4)]) > 1
