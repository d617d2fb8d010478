"""The table of real readings (tests/data/text_cases.tsv), each case checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from voicer.text import normalize

TABLE = Path(__file__).resolve().parent / "data" / "text_cases.tsv"


def _cases() -> list[tuple[str, str, str]]:
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        text, language, expected = line.split("\t")
        rows.append((text.replace("\\n", "\n"), language, expected))
    return rows


CASES = _cases()


def test_table_is_large_and_covers_both_languages() -> None:
    assert len(CASES) >= 150
    assert {lang for _, lang, _ in CASES} == {"zh", "en"}
    assert len({(t, lang) for t, lang, _ in CASES}) == len(CASES), "duplicate rows"


@pytest.mark.parametrize(("text", "language", "expected"), CASES, ids=[f"{c[1]}:{c[0][:24]}" for c in CASES])
def test_reading(text: str, language: str, expected: str) -> None:
    assert normalize(text, language) == expected
