"""Catalogue progress: one event type for callbacks, and a rich display (catalogue bar
above, the current episode's turns beneath)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


@dataclass(frozen=True)
class BatchEvent:
    """Where a catalogue stands: sent at the start, after each turn, after each episode, at the end."""

    kind: str
    """"start", "turn", "episode" (one finished: done, skipped or failed) or "finish"."""
    episodes_done: int
    """Episodes finished (done, skipped or failed)."""
    episodes_total: int
    failed: int
    skipped: int
    audio_seconds: float
    """Seconds of audio in the episodes finished so far (written now or unchanged)."""
    elapsed: float
    eta: float | None
    """Seconds left, from the synthesis rate per character so far; None until known."""
    episode: str | None = None
    """The episode the event is about (its output name)."""
    status: str | None = None
    """"episode" events: "done", "skipped" or "failed"; "turn" events: the turn's status."""
    message: str | None = None
    """Why an episode failed; for "start", which engine was chosen and why."""
    turns_done: int = 0
    """"turn" events: turns of `episode` finished so far."""
    turns_total: int = 0


BatchCallback = Callable[[BatchEvent], None]


@contextlib.contextmanager
def rich_batch_progress(console: Console, quiet: bool = False) -> Iterator[BatchCallback]:
    """A two-line display: episodes done / total, hours of audio, ETA; then the current
    episode's turns. Failed episodes are printed above it as they happen."""
    if quiet:
        yield lambda event: None
        return
    from rich.progress import BarColumn, Progress, TextColumn

    from voicer.cli_display import clock

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[note]}"),
        console=console,
        transient=False,
    )
    catalogue = bar.add_task("Catalogue", total=None, note="")
    turns = bar.add_task("  episode", total=None, note="", visible=False)  # shown at the first turn

    started = False

    def update(event: BatchEvent) -> None:
        nonlocal started
        if not started:  # drawn from the first event: checks that fail early print nothing else
            bar.start()
            started = True
        hours = event.audio_seconds / 3600
        note = f"episodes, {hours:.2f} h audio, elapsed {clock(event.elapsed)}, ETA {clock(event.eta)}"
        if event.failed:
            note += f", {event.failed} failed"
        bar.update(catalogue, total=event.episodes_total, completed=event.episodes_done, note=note)
        if event.kind == "turn" and event.episode:
            bar.update(
                turns,
                description=f"  {event.episode}",
                total=event.turns_total,
                completed=event.turns_done,
                note="turns",
                visible=True,
            )
        if event.kind == "start" and event.message:
            bar.console.print(event.message, markup=False, highlight=False)
        if event.kind == "episode" and event.status == "failed":
            bar.console.print(f"failed: {event.episode}: {event.message}", markup=False, highlight=False)

    try:
        yield update
    finally:
        if started:
            bar.stop()
