"""Progress reporting: an event passed to a plain callback.

Library users pass any ``progress(event: ProgressEvent) -> None``; the CLI draws
its progress bar from these events (voicer/cli_display.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class ProgressEvent:
    """Where a render stands; sent once at the start, after every turn, and at the end."""

    kind: str
    """"start", "turn" (one turn finished: reused, synthesized, failed or empty) or "finish"."""
    done: int
    """Turns finished so far (any outcome)."""
    total: int
    reused: int
    synthesized: int
    failed: int
    audio_seconds: float
    """Seconds of audio produced so far (reused + synthesized)."""
    elapsed: float
    """Seconds since the render started."""
    eta: float | None
    """Estimated seconds left (from the synthesis rate per character); None until known."""
    chapter: int | None = None
    """Chapter index of the turn just finished ("turn" events)."""
    turn: int | None = None
    chapter_title: str | None = None
    status: str | None = None
    """For "turn" events: "reused", "synthesized", "failed" or "empty"."""
    episode: int | None = None
    """For "turn" events: which script of the render (0 for a single script)."""


ProgressCallback = Callable[[ProgressEvent], None]
