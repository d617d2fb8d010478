"""Progress reporting: an event passed to a plain callback, and a rich progress bar.

Library users pass any ``progress(event: ProgressEvent) -> None``; the CLI uses
`make_rich_progress`, a context manager yielding such a callback.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


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


ProgressCallback = Callable[[ProgressEvent], None]


def _fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "-:--"
    seconds = int(round(seconds))
    h, rem = divmod(seconds, 3600)
    m, s = divmod(rem, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


@contextlib.contextmanager
def make_rich_progress(console: Console | None = None, quiet: bool = False) -> Iterator[ProgressCallback]:
    """A rich progress bar (turns done/total, audio minutes, elapsed, ETA) as a callback.

    ``with make_rich_progress(console, quiet=args.quiet) as cb: synthesize_script(..., progress=cb)``.
    With ``quiet=True`` it yields a callback that does nothing.
    """
    if quiet:
        yield lambda event: None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    bar = Progress(
        TextColumn("[bold]Rendering"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} turns"),
        TextColumn("{task.fields[audio]} min audio"),
        TextColumn("elapsed {task.fields[elapsed]}"),
        TextColumn("ETA {task.fields[eta]}"),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=False,
    )
    task = bar.add_task("render", total=None, audio="0.0", elapsed="0:00", eta="-:--", note="")

    def update(event: ProgressEvent) -> None:
        if not bar.live.is_started:
            bar.start()  # on the first event, so errors raised before any work print alone
        note = f"[dim]{event.reused} cached[/]" if event.reused else ""
        if event.failed:
            note += f" [red]{event.failed} failed[/]"
        bar.update(
            task,
            total=event.total,
            completed=event.done,
            audio=f"{event.audio_seconds / 60:.1f}",
            elapsed=_fmt_seconds(event.elapsed),
            eta="0:00" if event.kind == "finish" else _fmt_seconds(event.eta),
            note=note.strip(),
        )

    try:
        yield update
    finally:
        if bar.live.is_started:
            bar.stop()
