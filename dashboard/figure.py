"""A chart as a fixed Vega-Lite template plus the tables it draws.

A slider move changes a chart's numbers, not its shape.  So the shape, the Vega-Lite spec, is
built once per set of labels, styles and sizes (`@template`, cached), and only the tables change
from run to run.  This does two things, both measured in benchmarks/app_speed.py:
- the server no longer builds and serialises an Altair chart on every rerun (the Altair work was
  about half of a page's run);
- Streamlit's frontend keeps the drawn Vega view and swaps its datasets in place when a spec is
  unchanged but for its data, instead of compiling and embedding the chart anew.
For that, nothing that depends on the data may sit in the spec: axis ranges, for one, come from
the data (see charts.clip_to_box and the `extent` tables), never from literal scale domains.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import altair as alt
import pandas as pd

ALTAIR_GLOBALS = threading.Lock()  # Altair's theme and data transformers are process-wide settings
HELPER_PREFIX = "_"  # tables named so (e.g. "_extent") only size the axes: not in a chart's CSV
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # hundreds of SVG nodes per curve redraw slowly


@dataclass(frozen=True)
class Figure:
    """What a page draws: `spec`, Vega-Lite JSON whose layers name their data, and `data`, the
    named tables.  The spec text is shared by every run and session that draws the same shape;
    each call of `vega_lite()` parses its own copy."""

    spec: str
    data: dict[str, pd.DataFrame] = field(default_factory=dict)

    def vega_lite(self) -> dict:
        """The spec for st.vega_lite_chart: tables as DataFrames (Streamlit sends them as Arrow)."""
        spec = json.loads(self.spec)
        spec["datasets"] = dict(self.data)
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


def _key(value):
    """A hashable, order-preserving stand-in for a builder's arguments (dicts, lists, tuples)."""
    if isinstance(value, dict):
        return ("dict", tuple((k, _key(v)) for k, v in value.items()))
    if isinstance(value, (list, tuple)):
        return ("seq", tuple(_key(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return value


def template(build: Callable[..., alt.TopLevelMixin], max_entries: int = 256) -> Callable[..., str]:
    """Cache a template builder: it returns an Altair chart on `alt.NamedData` tables, and the
    decorated function returns that chart's Vega-Lite JSON (no schema validation, no theme: the
    tests validate every template), built once per distinct set of arguments."""
    cache: OrderedDict = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(build)
    def cached(*args, **kwargs) -> str:
        key = _key((args, kwargs))
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        with ALTAIR_GLOBALS, alt.theme.enable("none"):
            spec = build(*args, **kwargs).to_dict(validate=False)
        spec["usermeta"] = CANVAS
        text = json.dumps(spec)
        with lock:
            cache[key] = text
            while len(cache) > max_entries:
                cache.popitem(last=False)
        return text

    cached.uncached = build
    return cached
