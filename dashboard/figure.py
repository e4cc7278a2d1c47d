"""A chart as a fixed Vega-Lite template plus the tables it draws.

A slider move changes a chart's numbers, not its shape.  So the shape, the Vega-Lite spec, is
built once per set of labels, styles and sizes (`@template`, cached), and only the tables change
from run to run.  This does two things:
- the server does not build and serialise an Altair chart on every rerun;
- Streamlit's frontend keeps the drawn Vega view and swaps its datasets in place when a spec is
  unchanged but for its data, instead of compiling and embedding the chart anew.
For that, nothing that depends on the data may sit in the spec: axis ranges, for one, come from
the data (see charts.geometry.clip_to_box and the `extent` tables), never from literal scale domains.

`@memo` goes one step further for whole sections: a builder whose arguments say everything it
draws (with the language it is asked in) runs once per distinct set of arguments, and its
result is shared read-only by every session.  Any Altair chart becomes a Figure through
`Figure.from_altair` (its tables moved into named datasets).
"""

from __future__ import annotations

import functools
import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd
import pyarrow as pa
from streamlit import dataframe_util

from .bytecache import MB, hashable_key, nbytes, wait_for_others
from .i18n import language, speaking

ALTAIR_GLOBALS = threading.Lock()  # Altair's theme and data transformers are process-wide settings
HELPER_PREFIX = "_"  # tables named so (e.g. "_extent") only size the axes: not in a chart's CSV
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # hundreds of SVG nodes per curve redraw slowly
_TRANSFORMER = "gradient_lab_named"


def finite(name: str) -> alt.NamedData:
    """A template's table whose numbers are all finite and typed by the builder: the browser reads it as it is.
    Vega-Lite would otherwise parse each row's numbers, an expression per row in Streamlit's interpreter on every
    redraw."""
    return alt.NamedData(name, format=alt.DataFormat(parse=None))


def _named_dataset(data, datasets: dict, names: dict) -> dict:
    """Altair data transformer: keep the table itself, named by its place in the chart ("data-0",
    "data-1", ...; one name per distinct table); Streamlit sends it to the browser as Arrow.
    Names by place, not by content, keep a chart's spec the same when only its numbers change,
    so the browser swaps the numbers into the drawn view instead of compiling the chart anew."""
    table = pd.DataFrame(data)
    digest = hashlib.sha1(repr(list(table.columns)).encode())
    digest.update(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    name = names.setdefault(digest.hexdigest(), f"data-{len(names)}")
    datasets[name] = table
    return {"name": name}


@dataclass(frozen=True)
class Figure:
    """What a page draws: `spec`, Vega-Lite JSON whose layers name their data, and `tables`, the
    named tables, each a pandas DataFrame or a pyarrow Table.  The spec text is shared by every
    run and session that draws the same shape; each call of `vega_lite()` parses its own copy.

    `arrow` holds the tables as the Arrow IPC bytes st.vega_lite_chart sends, serialised once
    when the Figure is made: converting pandas tables to Arrow was most of the server's run on a
    move back to a setting seen before (py-spy, RNN lab), and a memoized Figure is drawn again
    and again.  Builders on a slider's path make pyarrow Tables straight from numpy, which skips
    pandas altogether (Streamlit sends a pyarrow Table as it is); `data` is every table as pandas,
    made on first use (CSV downloads, exports, tests)."""

    spec: str
    tables: dict[str, pd.DataFrame | pa.Table] = field(default_factory=dict)
    arrow: dict[str, bytes] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        tables = {name: dataframe_util.convert_anything_to_arrow_bytes(table) for name, table in self.tables.items()}
        object.__setattr__(self, "arrow", tables)  # frozen: set once, here

    @functools.cached_property
    def data(self) -> dict[str, pd.DataFrame]:
        """The tables as pandas DataFrames (pyarrow Tables converted once, on first use)."""
        return {name: t.to_pandas() if isinstance(t, pa.Table) else t for name, t in self.tables.items()}

    @classmethod
    def from_altair(cls, chart: alt.TopLevelMixin) -> Figure:
        """Any Altair chart as a Figure: its Vega-Lite spec (no schema validation, no theme, drawn on
        a canvas) with every table it holds moved into named datasets."""
        datasets: dict = {}
        with ALTAIR_GLOBALS:
            alt.data_transformers.register(_TRANSFORMER, _named_dataset)
            options = {"datasets": datasets, "names": {}}
            with alt.theme.enable("none"), alt.data_transformers.enable(_TRANSFORMER, **options):
                spec = chart.to_dict(validate=False)
        datasets = {**spec.pop("datasets", {}), **datasets}
        spec["usermeta"] = CANVAS
        return cls(json.dumps(spec), {name: pd.DataFrame(table) for name, table in datasets.items()})

    def vega_lite(self) -> dict:
        """The spec for st.vega_lite_chart, its tables as Arrow IPC bytes (sent as they are)."""
        spec = json.loads(self.spec)
        spec["datasets"] = dict(self.arrow)
        return spec

    def inline(self) -> dict:
        """A self-contained spec (tables as JSON records; NaN and ±inf become null), for files."""
        spec = json.loads(self.spec)
        spec["datasets"] = {name: json.loads(frame.to_json(orient="records")) for name, frame in self.data.items()}
        return spec

    def table(self) -> pd.DataFrame:
        """Every drawn table stacked with a `part` column naming its table (helpers left out)."""
        frames = {k: f for k, f in self.data.items() if not k.startswith(HELPER_PREFIX) and len(f)}
        if len(frames) == 1:
            return next(iter(frames.values()))
        if not frames:
            return pd.DataFrame()
        return pd.concat([f.assign(part=name) for name, f in frames.items()], ignore_index=True)


@dataclass(frozen=True)
class Section:
    """A chart and the caption under it, built together (the caption reads the chart's numbers)."""

    figure: Figure
    caption: str


MEMO_MB = 2  # a memo cache's default budget: a figure is 0.01–0.5 MB (tests/test_shared_state.py measures them)


def memo(build: Callable, max_entries: int = 64, max_mb: float = MEMO_MB) -> Callable:
    """Cache a builder whose arguments, with the language t() speaks at the call, say everything it
    draws: its result is built once per distinct set of arguments and language (in that language,
    whoever asks) and shared by every session, so it must never be changed (st.vega_lite_chart and the
    exports only read a Figure; other results are frozen dataclasses of Figures and numbers).  An
    Altair chart is kept as a Figure.  For charts that do not change when a page's sliders move, and
    for moves back to a setting seen before."""

    def in_language(lang: str, *args, **kwargs):
        with speaking(lang):
            return build(*args, **kwargs)

    cached = _lru(
        in_language,
        max_entries,
        lambda result: Figure.from_altair(result) if isinstance(result, alt.TopLevelMixin) else result,
        max_bytes=int(max_mb * MB),
    )

    @functools.wraps(build)
    def call(*args, **kwargs):
        return cached(language(), *args, **kwargs)

    call.cache, call.sizes = cached.cache, cached.sizes
    return call


def template(build: Callable[..., alt.TopLevelMixin], max_entries: int = 256) -> Callable[..., str]:
    """Cache a template builder: it returns an Altair chart on `alt.NamedData` tables, and the
    decorated function returns that chart's Vega-Lite JSON (no schema validation, no theme: the
    tests validate every template), built once per distinct set of arguments."""
    return _lru(build, max_entries, _template_text)


def _template_text(chart: alt.TopLevelMixin) -> str:
    with ALTAIR_GLOBALS, alt.theme.enable("none"):
        spec = chart.to_dict(validate=False)
    spec["usermeta"] = CANVAS
    return json.dumps(spec)


def _lru(build: Callable, max_entries: int, keep: Callable, max_bytes: int | None = None) -> Callable:
    """`build` cached by its arguments, storing keep(result): the least recently used are dropped past
    `max_entries` or past `max_bytes` in all (bytecache.nbytes; a result larger than that is not kept).
    Callers asking for a result that another caller is building wait for it instead of building it too (a class
    arriving at a scene builds each figure once, #37).  Thread-safe; exposes `.cache` and `.sizes` (bytes of
    each entry)."""
    cache: OrderedDict = OrderedDict()
    sizes: dict = {}
    pending: dict = {}  # key -> threading.Event, set when its build ends
    lock = threading.Lock()

    @functools.wraps(build)
    def cached(*args, **kwargs):
        key = hashable_key((args, kwargs))
        while True:
            with lock:
                if key in cache:
                    cache.move_to_end(key)
                    return cache[key]
                waiting = pending.get(key)
                if waiting is None:
                    pending[key] = threading.Event()
                    break
            wait_for_others(waiting.wait)  # built by another caller: then it is here (or it failed)
        try:
            value = keep(build(*args, **kwargs))
            size = nbytes(value) if max_bytes is not None else 0
            if max_bytes is not None and size > max_bytes:
                return value
            with lock:
                cache[key], sizes[key] = value, size
                for stale in sizes.keys() - cache.keys():  # the cache was cleared from outside (tests)
                    del sizes[stale]
                while len(cache) > max_entries or (max_bytes is not None and sum(sizes.values()) > max_bytes):
                    sizes.pop(cache.popitem(last=False)[0], None)
            return value
        finally:
            with lock:
                pending.pop(key).set()

    cached.cache, cached.sizes = cache, sizes
    return cached
