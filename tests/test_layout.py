"""Dependencies point one way (docs/architecture.md): the cache layer builds no charts, i18n depends on no
other dashboard module, and pages stay thin."""

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
