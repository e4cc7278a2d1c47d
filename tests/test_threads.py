"""One torch thread and one BLAS thread per process (core/threads.py), in the app and the CLI."""

import subprocess
import sys
from pathlib import Path

import pytest
import torch
from threadpoolctl import threadpool_info

from core.threads import one_thread_each

ROOT = Path(__file__).resolve().parents[1]
REPORT = (
    "import torch; from threadpoolctl import threadpool_info; "
    "print(torch.get_num_threads(), *[lib['num_threads'] for lib in threadpool_info() if lib['user_api'] == 'blas'])"
)


def _counts(code: str) -> list[int]:
    """Run `code` in a fresh interpreter, then report torch's threads and every BLAS's threads."""
    env = {"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "4", "PATH": "/usr/bin:/bin"}  # more than one to start
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT}"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return [int(n) for n in out.stdout.split()[-2:]]  # the last line: torch's count and NumPy's BLAS's


def test_a_fresh_process_starts_with_several_threads():
    """The check below can fail: without the call, the same process reports more than one."""
    counts = _counts("import numpy")
    assert counts[0] > 1 and counts[1] > 1


def test_one_thread_each_limits_torch_and_blas():
    assert _counts("from core.threads import one_thread_each; one_thread_each()") == [1, 1]


def test_the_router_sets_one_thread_each():
    """The app's entry point, run as Streamlit runs it, leaves the server on one thread of each."""
    code = "from streamlit.testing.v1 import AppTest; AppTest.from_file('streamlit_app.py', default_timeout=60).run()"
    assert _counts(code) == [1, 1]


def test_the_cli_sets_one_thread_each():
    assert _counts("from core.cli import main; main(['probe', '--model', 'rnn', '--seq-len', '5'])") == [1, 1]


def test_idempotent_in_this_process():
    one_thread_each.cache_clear()  # another test in this worker may have set other counts after its first call
    one_thread_each()
    one_thread_each()
    assert torch.get_num_threads() == 1
    assert all(lib["num_threads"] == 1 for lib in threadpool_info() if lib["user_api"] == "blas")


ARENAS = """
import ctypes, ctypes.util, re, sys, tempfile, threading
import numpy as np
from core.threads import bounded_malloc
if sys.argv[1] == "cap":
    assert bounded_malloc()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.fdopen.restype = ctypes.c_void_p
libc.malloc_info.argtypes = [ctypes.c_int, ctypes.c_void_p]
libc.fflush.argtypes = [ctypes.c_void_p]
start = threading.Barrier(8)
def work():  # eight threads allocating at once, as eight visitors' scripts do
    start.wait()
    for _ in range(200):
        [np.ones(1000) for _ in range(50)]
threads = [threading.Thread(target=work) for _ in range(8)]
[t.start() for t in threads]
[t.join() for t in threads]
fd, path = tempfile.mkstemp()
out = libc.fdopen(fd, b"w")
libc.malloc_info(0, out)
libc.fflush(out)
print(len(re.findall(r'<heap nr="[0-9]+">', open(path).read())))
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc arenas")
def test_the_server_caps_malloc_arenas_so_freed_memory_is_shared_by_the_threads():
    """glibc's malloc_info lists one heap per arena: eight busy threads make more than two without the
    cap (the check can fail), and two with it."""

    def arenas(mode: str) -> int:
        run = subprocess.run(
            [sys.executable, "-c", ARENAS, mode], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return int(run.stdout.split()[-1])

    assert arenas("none") > 2
    assert arenas("cap") <= 2


MAPPED = """
import ctypes, ctypes.util, sys
import numpy as np
from core.threads import bounded_malloc
if sys.argv[1] == "bounded":
    assert bounded_malloc()
libc = ctypes.CDLL(ctypes.util.find_library("c"))
FIELDS = "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost"
class Mallinfo2(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in FIELDS.split()]
libc.mallinfo2.restype = Mallinfo2
large = np.ones(2_000_000)  # 16 MB, mapped on its own; freeing it raises glibc's dynamic threshold to 16 MB
del large
before = libc.mallinfo2().hblkhd
array = np.ones(300_000)  # 2.4 MB
print(libc.mallinfo2().hblkhd - before)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc")
def test_the_server_maps_every_large_array_on_its_own_so_freeing_it_returns_the_memory():
    """Without a fixed threshold, a 2.4 MB array allocated after a 16 MB one was freed comes from the heap (what
    it frees stays resident; the check can fail); with it, the array is mapped on its own (mallinfo2's hblkhd,
    the bytes in mapped blocks, grows by its size), and unmapped when freed."""

    def mapped(mode: str) -> int:
        run = subprocess.run(
            [sys.executable, "-c", MAPPED, mode], cwd=ROOT, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, run.stderr[-2000:]
        return int(run.stdout.split()[-1])

    assert mapped("none") < 2_400_000
    assert mapped("bounded") >= 2_400_000


def test_the_router_caps_malloc_arenas():
    source = (ROOT / "streamlit_app.py").read_text()
    assert "bounded_malloc()" in source.split("st.set_page_config")[0]  # before any visitor's thread works


def test_a_blas_loaded_later_runs_on_one_thread_too():
    """A BLAS that comes in after the call (SciPy's own OpenBLAS, say) starts single-threaded too."""
    env = {"OPENBLAS_NUM_THREADS": "4", "OMP_NUM_THREADS": "4", "PATH": "/usr/bin:/bin"}
    code = (
        "from core.threads import one_thread_each\none_thread_each()\nimport scipy.linalg\n"
        "from threadpoolctl import threadpool_info\n"
        "print(*[lib['num_threads'] for lib in threadpool_info() if 'scipy.libs' in lib['filepath']])"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split() == ["1"]  # without the call: as many as the machine's cores, up to 4


def _run(code: str) -> str:
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split()[-1]


def test_frozen_imports_takes_every_object_alive_out_of_full_passes_once():
    code = (
        "import gc\nfrom core.threads import frozen_imports\nkept = [[] for _ in range(1000)]\n"
        "assert gc.get_freeze_count() == 0\nn = frozen_imports()\nassert n == gc.get_freeze_count() >= 1000\n"
        "seen = {id(o) for o in gc.get_objects()}\n"  # what a full pass still walks
        "assert all(gc.is_tracked(o) and id(o) not in seen for o in kept)\n"
        "assert frozen_imports() == n  # once per process\nprint('ok')"
    )
    assert _run(code) == "ok"


def test_the_router_freezes_its_imports():
    """A run of streamlit_app.py in a fresh interpreter leaves its imports frozen."""
    code = (
        "import gc\nfrom streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('streamlit_app.py', default_timeout=120).run()\n"
        "assert not at.exception\nprint(gc.get_freeze_count())"
    )
    assert int(_run(code)) > 0
