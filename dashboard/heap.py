"""Keep the server's long-lived objects out of Python's full garbage collections.

A full collection visits every tracked object; with torch, pandas, Altair and Streamlit imported
that is about 250 000 objects, and the server ran six to eight in a benchmark run, of 13–110 ms
each, a slider move's worth of pause (logged with a gc callback; README, "Speed"); with the freeze,
0.3–4 ms.  Nearly all of those objects are modules' own (functions, classes, constants) and live as
long as the process.  So after a run that imported modules (a page's first visit), collect once,
then freeze what is left: later full collections visit only what was made after it.  What a freeze
keeps alive forever is what was alive at that moment and later becomes cyclic garbage; freezes
happen only when the set of modules grows, a few times per process, so that is bounded.
"""

from __future__ import annotations

import gc
import sys
import threading

_LOCK = threading.Lock()
_frozen_at = 0  # len(sys.modules) at the last freeze


def freeze_new_imports() -> bool:
    """Collect and freeze if modules were imported since the last freeze; returns whether it froze."""
    global _frozen_at
    if len(sys.modules) <= _frozen_at:
        return False
    with _LOCK:
        if len(sys.modules) <= _frozen_at:
            return False
        gc.collect()
        gc.freeze()
        _frozen_at = len(sys.modules)
    return True
