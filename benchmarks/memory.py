"""Where the server's bytes go (#37): each component measured in a fresh interpreter, one after another.

    python -m benchmarks.memory

Each stage runs in its own Python process that first does everything the stages above it did, so a row's
"adds" is what that component costs on top of the ones above (shared libraries counted once).  Resident memory
(RSS) is read from /proc after the stage; a second run of the stage under `tracemalloc` counts the bytes Python
objects hold (numpy and torch buffers are allocated outside Python's allocator, so a model's weights show in RSS and
in the tensors' own sizes).  The last row is in-process: AppTest runs every page's script at its defaults, as one
visitor would, and the byte caches are summed (the Streamlit server's own per-session state is not in it; the
server's figures are in benchmarks/app_speed.py and benchmarks/classroom.py).

The stages follow the order a server meets them: the interpreter and Streamlit; torch, numpy, pandas and Altair
(the app's own core); the app's modules; transformers and what it imports; the real model's weights and tokenizer;
the four language models; one visitor's computed views (every page's default view, through the app's caches).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

STAGES = (  # (name, code run after the stages above it)
    ("the Python interpreter", "pass"),
    ("Streamlit (with pandas, pyarrow, numpy)", "import streamlit, pandas, pyarrow"),
    ("Altair and vl-convert", "import altair, vl_convert"),
    ("torch", "import torch"),
    ("the app's modules (core, dashboard)", "import core.cli, dashboard.cached, dashboard.frame, dashboard.talk"),
    ("tokenizers, safetensors and core/bert.py", "import tokenizers, safetensors.torch, core.bert"),
    ("all-MiniLM-L6-v2: weights and tokenizer", "import core.minilm as m; m.load()"),
    (
        "the four language models",
        "from dashboard import cached\nfor c in ('lstm', 'gru', 'transformer', 'transformer-learned'): "
        "cached.language_model(c)",
    ),
    ("one visitor on every page, in process (AppTest)", "visit_every_page()"),
)
UNUSED = (  # what the app no longer imports, measured on top of the same stages but the last
    "transformers' BertModel (not imported: core/bert.py)",
    "from transformers.models.bert.modeling_bert import BertModel",
)
PROBE = """
import gc, json, os, sys, tracemalloc
sys.path.insert(0, {root!r})
os.environ['HF_HUB_OFFLINE'] = '1'
if {trace}:
    tracemalloc.start()

def visit_every_page():
    from streamlit.testing.v1 import AppTest
    import dashboard
    from dashboard.bytecache import ByteCache
    for page in PAGES:
        at = AppTest.from_file(os.path.join({root!r}, 'streamlit_app.py'), default_timeout=600)
        at.switch_page('pages/' + page + '.py')
        at.run()
        assert not at.exception, page
    objects = gc.get_objects()
    held = sum(o.nbytes for o in objects if isinstance(o, ByteCache))  # pickles, exactly
    held += sum(sum(o.sizes.values()) for o in objects if callable(o) and isinstance(getattr(o, 'sizes', None), dict))
    global CACHE_MB
    CACHE_MB = held / 2**20

CACHE_MB = None
PAGES = {pages!r}
{code}
gc.collect()
python_bytes = tracemalloc.get_traced_memory()[0] if {trace} else None
LIBRARIES = {{'scipy', 'sklearn', 'sympy', 'transformers', 'tokenizers'}}
pulled = sorted({{m.split('.')[0] for m in sys.modules}} & LIBRARIES)
fields = dict(l.split(':', 1) for l in open('/proc/self/status') if l.startswith(('VmRSS', 'VmHWM')))
print(json.dumps({{"rss_mb": int(fields['VmRSS'].split()[0]) / 1024, "python_mb": (python_bytes or 0) / 2**20,
                  "pulled": pulled, "cache_mb": CACHE_MB, "dynamo": 'torch._dynamo' in sys.modules}}))
"""


def _run(codes: list[str], trace: bool = False) -> dict:
    """One fresh interpreter: RSS without tracemalloc (its own bookkeeping doubles small objects' memory), or
    with `trace`, the bytes Python objects hold."""
    from .app_speed import PAGES

    script = PROBE.format(root=str(ROOT), code="\n".join(codes), pages=["home", *PAGES], trace=trace)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure() -> list[dict]:
    """Each stage in a fresh interpreter that has done every stage above it; then UNUSED on the stages but the
    visitor's, as a last row."""
    rows, done = [], []
    for name, code in STAGES:
        done.append(code)
        rows.append({"stage": name, **_run(done), "python_mb": _run(done, trace=True)["python_mb"]})
    rows.append({"stage": UNUSED[0], "unused": True, **_run([*done[:-1], UNUSED[1]])})
    return rows


def weights_mb() -> dict[str, float]:
    """The bytes of each model's parameters and buffers, from the tensors themselves."""
    from core import minilm
    from dashboard import cached

    def size(module) -> float:
        return sum(t.numel() * t.element_size() for t in [*module.parameters(), *module.buffers()]) / 2**20

    sizes = {"all-MiniLM-L6-v2": size(minilm.load().model)}
    for code in ("lstm", "gru", "transformer", "transformer-learned"):
        sizes[f"LM {code}"] = size(cached.language_model(code)[0])
    return sizes


def table(rows: list[dict]) -> str:
    lines = ["| stage (each on top of the ones above) | RSS (MB) | adds (MB) | Python objects (MB) |"]
    lines.append("|---|---:|---:|---:|")
    kept = [r for r in rows if not r.get("unused")]
    before = 0.0
    for row in kept:
        added = row["rss_mb"] - before
        lines.append(f"| {row['stage']} | {row['rss_mb']:.0f} | {added:+.0f} | {row['python_mb']:.0f} |")
        before = row["rss_mb"]
    for row in rows:
        if row.get("unused"):
            base = kept[-2]["rss_mb"]  # the stages before the visitor's
            lines.append(f"| *{row['stage']}* | {row['rss_mb']:.0f} | {row['rss_mb'] - base:+.0f} | |")
    visitor = kept[-1]
    lines.append(
        f"\nThe shared caches after one visitor hold {visitor['cache_mb']:.1f} MB (byte caches' pickles and the "
        f"figure memos' estimated sizes); the app imports "
        f"{', '.join(visitor['pulled']) or 'none'} of scipy, sklearn, sympy, transformers, tokenizers; "
        f"torch._dynamo {'imported' if visitor['dynamo'] else 'not imported'}."
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    print(table(measure()))
    print("\n| model | weights (MB) |\n|---|---:|")
    for name, mb in weights_mb().items():
        print(f"| {name} | {mb:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
