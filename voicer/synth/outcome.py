"""What a render produced: `RenderOutcome` (one per script) and `TurnFailure`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..model import TurnAudio


@dataclass
class TurnFailure:
    """A turn the engine could not speak (indices are 0-based, as in `TurnAudio`)."""

    chapter: int
    turn: int
    chapter_title: str
    text: str
    error: str

    def where(self) -> str:
        """Human words for the turn: chapter and turn numbered from 1, start of the text."""
        start = " ".join(self.text.split())
        start = start if len(start) <= 40 else start[:40] + "…"
        return f'chapter {self.chapter + 1} ("{self.chapter_title}"), turn {self.turn + 1} ("{start}")'

    def sentence(self) -> str:
        """The failure as one sentence, for people."""
        return f"{self.where()[0].upper()}{self.where()[1:]}: {self.error.rstrip('.')}."

    def __str__(self) -> str:
        return self.sentence()


@dataclass
class RenderOutcome:
    """What the synthesis of one script produced."""

    audio: list[TurnAudio]
    """One per turn, in script order; empty and failed turns have zero samples."""
    reused: int = 0
    """Turns taken from the cache."""
    synthesized: int = 0
    """Turns synthesized now (and written to the cache)."""
    failed: list[TurnFailure] = field(default_factory=list)
    empty: int = 0
    """Turns with nothing to speak (only markers)."""
    elapsed: float = 0.0
    """Seconds the render took."""
    workers: int = 1
    """Turns synthesized at the same time."""
    cache_dir: Path | None = None
    pool: str = "in-process"
    """How the turns were run ("in-process", "workers", "fresh-process", or another pool's kind)."""

    @property
    def audio_seconds(self) -> float:
        return sum(len(a.samples) / a.sample_rate for a in self.audio if a.sample_rate)

    def summary(self) -> str:
        """One line, e.g. "120 turns: 119 reused, 1 synthesized (10.3 min of audio, 4.2 s)"."""
        total = len(self.audio)
        parts = [f"{self.reused} reused", f"{self.synthesized} synthesized"]
        if self.empty:
            parts.append(f"{self.empty} empty")
        if self.failed:
            parts.append(f"{len(self.failed)} failed")
        return (
            f"{total} turns: {', '.join(parts)} "
            f"({self.audio_seconds / 60:.1f} min of audio, {self.elapsed:.1f} s)"
        )
