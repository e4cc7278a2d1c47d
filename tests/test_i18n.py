"""Both catalogues hold the same keys with the same {placeholders}; no string is empty."""

import re
import string

import pytest

from dashboard.i18n import LANGUAGES, catalog

KEYS = {lang: set(catalog(lang)) for lang in LANGUAGES}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_key_exists_in_every_language(lang):
    assert KEYS[lang] - KEYS["en"] == set(), "keys only in " + lang
    assert KEYS["en"] - KEYS[lang] == set(), "keys missing from " + lang


def _fields(text):
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(KEYS["en"]))
def test_placeholders_match_and_text_is_present(key):
    for lang in LANGUAGES:
        assert catalog(lang)[key].strip(), f"{lang}:{key} is empty"
        assert _fields(catalog(lang)[key]) == _fields(catalog("en")[key]), f"{lang}:{key} placeholders differ"


def test_korean_catalogue_is_korean():
    hangul = re.compile(r"[\uac00-\ud7a3]")
    prose = [k for k, v in catalog("en").items() if len(v) > 30]
    assert all(hangul.search(catalog("ko")[k]) for k in prose)


def test_every_key_used_in_code_exists():
    import pathlib

    root = pathlib.Path(__file__).resolve().parent.parent
    used = set()
    for path in [*root.glob("pages/*.py"), *root.glob("dashboard/*.py"), root / "streamlit_app.py"]:
        used |= set(re.findall(r"""\bt\(\s*f?["']([a-z_]+\.[a-z_{}.]+)["']""", path.read_text()))
    static = {k for k in used if "{" not in k}
    assert static, "no keys found: the pattern is out of date"
    assert static <= KEYS["en"], static - KEYS["en"]
