"""Dependencies point one way (docs/architecture.md): only the cache layer calls into core, and it builds no
charts; charts are built in dashboard/charts/ only; i18n depends on no other dashboard module; pages stay
thin."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _imports(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved against the dashboard package."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = "dashboard." if node.level else ""
            found.add(base + (node.module or ""))
            found.update(base + (node.module + "." if node.module else "") + a.name for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


def test_the_cache_layer_builds_no_charts_and_holds_no_labels():
    imported = _imports(ROOT / "dashboard" / "cached.py")
    assert not any(name.startswith(("dashboard.charts", "dashboard.i18n", "altair")) for name in imported), imported


def test_i18n_depends_on_no_other_dashboard_module():
    imported = _imports(ROOT / "dashboard" / "i18n.py")
    assert not any(name.startswith("dashboard.") for name in imported), imported


@pytest.mark.parametrize("page", sorted(p.name for p in (ROOT / "pages").glob("*.py")))
def test_pages_are_thin_and_do_no_torch_math(page):
    text = (ROOT / "pages" / page).read_text()
    assert len(text.splitlines()) <= 80
    imported = _imports(ROOT / "pages" / page)
    assert not any(name.startswith(("torch", "numpy", "core")) for name in imported), imported
    assert "set_page_config" not in text


DASHBOARD = sorted((ROOT / "dashboard").rglob("*.py"))
VIEWS = [p for p in DASHBOARD if p.name not in ("cached.py", "bytecache.py")] + sorted((ROOT / "pages").glob("*.py"))


def _core_imports(path: Path) -> list[str]:
    """Every name `path` takes from core: `module:name`, or `module` for a whole module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "core" and not node.level:
            found.extend(f"{node.module}:{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.extend(a.name for a in node.names if a.name.split(".")[0] == "core")
    return found


def _is_class_or_constant(name: str) -> bool:
    return name[:1].isupper()  # CamelCase classes (DepthConfig, StateOverflow) and UPPER_CASE constants


@pytest.mark.parametrize("path", VIEWS, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_cache_layer_calls_into_core(path):
    """dashboard/cached.py is the one door into core: elsewhere core's classes and constants only."""
    calls = [name for name in _core_imports(path) if ":" not in name or not _is_class_or_constant(name.split(":")[1])]
    assert calls == [], f"{path.name} calls into core directly: {calls}"


def test_the_cache_layer_is_where_the_caches_are():
    """Every cache of core results lives in cached.py (bytecache.py defines them), and no view runs torch."""
    for path in VIEWS:
        text = path.read_text()
        assert "ByteCache(" not in text and "@byte_cache" not in text, path
        assert not any(name.startswith("torch") for name in _imports(path)), path
        assert not any(isinstance(n, ast.ClassDef) and n.name.endswith("Places") for n in ast.walk(ast.parse(text)))


def test_charts_are_built_only_in_the_charts_package():
    """Altair is imported by the chart builders (dashboard/charts/) and by the two modules that turn a chart
    into what Streamlit and the downloads send (figure.py, export.py), nowhere else."""
    allowed = {ROOT / "dashboard" / "figure.py", ROOT / "dashboard" / "export.py"}
    for path in [*DASHBOARD, *sorted((ROOT / "pages").glob("*.py"))]:
        if path.parent.name == "charts" or path in allowed:
            continue
        assert not any(name.startswith("altair") for name in _imports(path)), path


def test_chart_builders_use_explicit_imports():
    for path in sorted((ROOT / "dashboard" / "charts").glob("*.py")):
        assert "import *" not in path.read_text(), path
