"""The README is for users: short, with the two commands CI reads, and every link inside the repository."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
LINK = re.compile(r"\]\(([^)\s]+)\)")


def test_readme_is_at_most_15000_characters():
    assert len(README) <= 15_000, len(README)


def test_readme_opens_with_the_two_commands():
    """.ci/run reads the test command from the line after the "Run the tests" heading's fence."""
    lines = README.splitlines()
    app = lines.index(next(line for line in lines if line.startswith("**Run the app**")))
    tests = lines.index(next(line for line in lines if line.startswith("**Run the tests**")))
    assert app < tests < 30
    assert lines[app + 2] == "```bash" and "streamlit run streamlit_app.py" in lines[app + 3]
    assert lines[tests + 2] == "```bash" and lines[tests + 3].endswith("python -m pytest -n 2")
    assert "pip install -r requirements-dev.txt" in lines[tests + 3]


@pytest.mark.parametrize("doc", ["README.md", *[f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))]])
def test_every_link_resolves_inside_the_repository(doc):
    text = (ROOT / doc).read_text()
    for target in LINK.findall(text):
        assert "://" not in target and not target.startswith("/"), f"{doc}: {target} leaves the repository"
        path = (ROOT / doc).parent / target.split("#")[0]
        assert path.resolve().is_relative_to(ROOT), f"{doc}: {target} leaves the repository"
        assert path.exists(), f"{doc}: {target} does not exist"


def test_requirements_take_torch_from_the_cpu_index_at_the_pinned_version():
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    assert "torch==2.13.0" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
