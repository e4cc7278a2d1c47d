"""The server's long-lived objects are frozen out of full collections once their modules are imported."""

import gc
import subprocess
import sys
import types
import weakref
from pathlib import Path

from dashboard.heap import freeze_new_imports

ROOT = Path(__file__).resolve().parents[1]


class _Node:
    pass


def test_freezes_once_per_growth_of_the_module_set():
    freeze_new_imports()  # whatever this test process imported so far
    frozen = gc.get_freeze_count()
    assert not freeze_new_imports()  # nothing new: no collection, no freeze
    assert gc.get_freeze_count() == frozen
    node = _Node()
    node.self = node  # a cycle: garbage once the name is gone, which the freeze must not keep
    dead = weakref.ref(node)
    del node
    sys.modules["_gradient_lab_heap_probe"] = types.ModuleType("_gradient_lab_heap_probe")  # a page's new import
    try:
        assert freeze_new_imports()
        assert gc.get_freeze_count() > frozen
        assert dead() is None  # collected before the freeze
    finally:
        del sys.modules["_gradient_lab_heap_probe"]


def test_the_router_freezes_the_imported_modules():
    """A fresh process running the app as Streamlit does ends with the modules' objects frozen."""
    code = (
        "import gc; from streamlit.testing.v1 import AppTest; "
        "AppTest.from_file('streamlit_app.py', default_timeout=60).run(); "
        "print(gc.get_freeze_count(), len(gc.get_objects()))"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    frozen, tracked = (int(n) for n in out.stdout.split()[-2:])
    assert frozen > 100_000 and frozen > 5 * tracked  # torch, pandas, Altair, Streamlit: left out of collections
