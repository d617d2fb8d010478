"""`plan`: what a render would do (``voicer render --dry-run``), without synthesizing."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..language import language as _language
from ..model import Script, Voice, word_count

if TYPE_CHECKING:
    from ..engines import Engine


def speech_rate(language: str, engine: str | None = None) -> float:
    """Words per second (Han characters and Latin words) for estimating audio length
    (the `Language` table's rate, or the engine's own where it has one)."""
    return _language(language).rate(engine)


@dataclass
class PlanRow:
    """One chapter of the plan."""

    chapter: int
    """0-based chapter index."""
    title: str
    turns: int
    characters: int
    """Characters the engine will be given (normalized text)."""
    words: int
    seconds: float
    """Estimated seconds of speech."""
    cached: int | None = None
    """Turns already in the render cache (None when no engine was given)."""


COLUMNS = ("#", "Chapter", "Turns", "Characters", "Est. audio", "Cached")


@dataclass
class RenderPlan:
    title: str
    language: str
    rows: list[PlanRow] = field(default_factory=list)
    engine: str | None = None
    words_per_second: float = 0.0
    cache_dir: Path | None = None

    @property
    def turns(self) -> int:
        return sum(r.turns for r in self.rows)

    @property
    def characters(self) -> int:
        return sum(r.characters for r in self.rows)

    @property
    def seconds(self) -> float:
        return sum(r.seconds for r in self.rows)

    @property
    def cached(self) -> int | None:
        if any(r.cached is None for r in self.rows):
            return None
        return sum(r.cached or 0 for r in self.rows)

    def table_rows(self) -> list[tuple[str, ...]]:
        """Rows of strings under `COLUMNS`, the last one the total (for a rich table)."""
        out = [
            (
                str(r.chapter + 1),
                r.title,
                str(r.turns),
                f"{r.characters:,}",
                _clock(r.seconds),
                "-" if r.cached is None else str(r.cached),
            )
            for r in self.rows
        ]
        cached = self.cached
        out.append(
            (
                "",
                "Total",
                str(self.turns),
                f"{self.characters:,}",
                _clock(self.seconds),
                "-" if cached is None else str(cached),
            )
        )
        return out

    def format(self) -> str:
        """Plain-text table plus a summary line."""
        rows = [COLUMNS, *[(r[0], _clip(r[1], 44), *r[2:]) for r in self.table_rows()]]
        widths = [max(_width(r[i]) for r in rows) for i in range(len(COLUMNS))]
        lines = []
        for n, row in enumerate(rows):
            cells = [
                _pad(cell, widths[i], left=(i == 1))  # the title reads left-aligned
                for i, cell in enumerate(row)
            ]
            lines.append("  ".join(cells).rstrip())
            if n == 0 or n == len(rows) - 2:
                lines.append("  ".join("-" * w for w in widths))
        engine = f", engine {self.engine}" if self.engine else ""
        head = f"{self.title} ({self.language}{engine}): {len(self.rows)} chapters, {self.turns} turns"
        tail = (
            f"Estimated audio: {_clock(self.seconds)} of speech "
            f"(at {self.words_per_second:g} words/s; pauses and music come on top)."
        )
        if self.cached is not None:
            tail += f" {self.cached} of {self.turns} turns are already rendered."
        return "\n".join([head, "", *lines, "", tail])


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _width(text: str) -> int:
    # CJK characters take two columns in a terminal.
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _clip(text: str, width: int) -> str:
    """`text` cut to `width` terminal columns, with an ellipsis when cut."""
    if _width(text) <= width:
        return text
    out = ""
    for c in text:
        if _width(out + c) > width - 1:
            break
        out += c
    return out + "…"


def _pad(text: str, width: int, left: bool) -> str:
    fill = " " * (width - _width(text))
    return text + fill if left else fill + text


def plan(
    script: Script,
    *,
    engine: Engine | str | None = None,
    voices: dict[str, Voice] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    lexicon: Any = None,
    device: str = "auto",
) -> RenderPlan:
    """Chapters, turns, characters and estimated audio length of a render.

    With an `engine` (name or instance) the text is prepared exactly as the
    render will, voices are checked, and turns already in the cache are counted;
    nothing is synthesized and nothing is written.
    """
    from .cache import TurnCache
    from .jobs import plan_jobs, prepare_fn
    from .runner import resolve_engine
    from .settings import RenderSettings

    language = script.language
    eng: Engine | None = None
    cached_keys: set[int] = set()
    counted = False
    if engine is not None:
        if voices is None:
            from ..engines import load_voices

            voices = load_voices()
        eng = resolve_engine(engine, voices, RenderSettings(device=device))
        jobs, _ = plan_jobs(script, eng, voices, lexicon=lexicon)
        cache = TurnCache(cache_dir, create=False)
        cached_keys = {j.index for j in jobs if j is not None and j.key in cache}
        chunks_per_turn = [list(j.chunks) if j is not None else [] for j in jobs]
        counted = True
        cache_path: Path | None = cache.directory
    else:
        prepare = prepare_fn()
        chunks_per_turn = [prepare(t.text, language, 1_000_000, lexicon) for _, _, t in script.turns()]
        cache_path = None
    rate = speech_rate(language, eng.name if eng is not None else None)
    rows = [
        PlanRow(ci, ch.title, len(ch.turns), 0, 0, 0.0, 0 if counted else None)
        for ci, ch in enumerate(script.chapters)
    ]
    for index, (ci, _, _) in enumerate(script.turns()):
        text = " ".join(chunks_per_turn[index])
        row = rows[ci]
        row.characters += sum(len(c) for c in chunks_per_turn[index])
        words = word_count(text)
        row.words += words
        row.seconds += words / rate
        if counted and index in cached_keys:
            row.cached = (row.cached or 0) + 1
    return RenderPlan(
        title=script.title,
        language=language,
        rows=rows,
        engine=eng.name if eng is not None else None,
        words_per_second=rate,
        cache_dir=cache_path,
    )
