"""The data model shared by every stage, as plain dataclasses.

Flow: ingest -> Transcript; script -> Script; render -> list[TurnAudio];
mix -> Mixed (samples + Timeline); export -> files.

Inline markers in text (both Transcript segments and Script turns):
- ``[笑]``, ``[laughs]``: an annotation (stage direction) kept for people,
  never spoken;
- ``[pause 1.5s]``: an explicit pause at that point (script files only).
`spoken_text` removes every marker.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

# Anything in square brackets is a marker, not speech.
MARKER_RE = re.compile(r"\[[^\[\]\n]*\]")
PAUSE_RE = re.compile(r"\[pause(?:\s+(\d+(?:\.\d+)?)\s*s?)?\]", re.IGNORECASE)
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:['’.\-][A-Za-z0-9]+)*")


def spoken_text(text: str) -> str:
    """Text with every ``[...]`` marker removed (what an engine may speak)."""
    return re.sub(r"[ \t]{2,}", " ", MARKER_RE.sub("", text)).strip()


def word_count(text: str) -> int:
    """Words as a listener hears them: each Han character counts as one word,
    each run of Latin letters/digits as one word. Markers do not count."""
    text = spoken_text(text)
    return len(_HAN_RE.findall(text)) + len(_LATIN_WORD_RE.findall(text))


# ---------------------------------------------------------------- transcript


@dataclass
class Segment:
    """One piece of a source transcript, in source order."""

    text: str
    """Speakable text; stage directions kept inline as ``[...]`` markers."""
    speaker: str | None = None
    """Speaker label as written (normalized: no bold, no colon); None for
    narration or an unlabelled transcript."""
    kind: str = "speech"
    """"speech" or "heading" (then `text` is the heading title)."""
    level: int = 0
    """Heading level 1..3 for headings, 0 for speech."""
    start: float | None = None
    """Start time in seconds, when the source has timestamps."""
    end: float | None = None
    line: int | None = None
    """1-based line in the source file where the segment starts."""


@dataclass
class Transcript:
    segments: list[Segment]
    title: str | None = None
    language: str = "zh"
    """"zh", "en" or "mixed" (Chinese with much English)."""
    source: str | None = None
    """Path of the source file, or None for text given directly."""
    meta: dict[str, str] = field(default_factory=dict)
    """Extra facts found in the source, e.g. {"byline": "文 / ...", "url": ...}."""

    @property
    def speakers(self) -> list[str]:
        """Speaker labels in order of first appearance."""
        seen: dict[str, None] = {}
        for seg in self.segments:
            if seg.kind == "speech" and seg.speaker:
                seen.setdefault(seg.speaker, None)
        return list(seen)

    @property
    def headings(self) -> list[Segment]:
        return [s for s in self.segments if s.kind == "heading"]

    def word_counts(self) -> dict[str | None, int]:
        """Words per speaker (None = narration / unlabelled)."""
        counts: dict[str | None, int] = {}
        for seg in self.segments:
            if seg.kind == "speech":
                counts[seg.speaker] = counts.get(seg.speaker, 0) + word_count(seg.text)
        return counts


# -------------------------------------------------------------------- script


@dataclass
class Host:
    id: str
    """Label used in the script file, e.g. "A" or "黄仁勋"."""
    name: str
    """Name used in show notes and timed transcripts."""
    voice: str
    """Voice preset name (see `voicer voices`)."""


@dataclass
class Turn:
    speaker: str
    """A `Host.id`."""
    text: str
    """What is said; may hold ``[...]`` annotation and pause markers."""
    bridge: bool = False
    """True for a line voicer added (not from the source)."""
    pause_after: float | None = None
    """Seconds of silence after this turn, overriding the mixer's default."""


@dataclass
class Chapter:
    title: str
    turns: list[Turn] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Comments for the person editing the script (e.g. which writer made the
    chapter and why it fell back); written as ``<!-- ... -->`` under the title."""


@dataclass
class Script:
    title: str
    language: str
    """"zh" or "en": the language the episode is spoken in."""
    hosts: list[Host]
    chapters: list[Chapter]
    meta: dict[str, str] = field(default_factory=dict)
    """Episode facts: author, show, description, episode, date, source..."""

    def host(self, host_id: str) -> Host:
        for h in self.hosts:
            if h.id == host_id:
                return h
        raise KeyError(host_id)

    def turns(self) -> list[tuple[int, int, Turn]]:
        """(chapter index, turn index, turn) for every turn, in order."""
        return [(ci, ti, t) for ci, ch in enumerate(self.chapters) for ti, t in enumerate(ch.turns)]


# --------------------------------------------------------------------- voice


@dataclass
class Voice:
    """A voice preset, loaded from a data file in ``voices/``."""

    name: str
    language: str
    """"zh" or "en"."""
    gender: str = ""
    description: str = ""
    licence: str = ""
    engines: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per-engine settings keyed by engine name ("offline", "coqui")."""
    path: str | None = None
    """File the preset was loaded from."""


# -------------------------------------------------------------------- audio


@dataclass
class TurnAudio:
    """Synthesized audio of one script turn (mono float32 in [-1, 1])."""

    chapter: int
    turn: int
    samples: np.ndarray
    sample_rate: int


@dataclass
class TimedTurn:
    chapter: int
    turn: int
    speaker: str
    """Host id."""
    name: str
    """Host display name."""
    text: str
    """Spoken text (markers removed)."""
    start: float
    end: float


@dataclass
class TimedChapter:
    title: str
    start: float
    end: float


@dataclass
class Timeline:
    chapters: list[TimedChapter]
    turns: list[TimedTurn]
    duration: float


@dataclass
class Mixed:
    """The mastered episode before encoding."""

    samples: np.ndarray
    """float32, shape (n,) mono or (n, 2) stereo."""
    sample_rate: int
    timeline: Timeline
    loudness: dict[str, float] = field(default_factory=dict)
    """Measured figures, e.g. {"integrated_lufs": -19.0, "true_peak_dbtp": -1.2}."""
