"""Rule tables read from voicer/text/data/ (loaded once, then cached)."""

from __future__ import annotations

import functools
import re
import tomllib
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


@functools.cache
def table(name: str) -> dict[str, Any]:
    """The TOML table `data/<name>.toml`."""
    with open(DATA_DIR / f"{name}.toml", "rb") as fh:
        return tomllib.load(fh)


def alternation(words: list[str] | tuple[str, ...] | Any) -> str:
    """A regex alternation of literal words, longest first (so "kWh" wins over "kW")."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
