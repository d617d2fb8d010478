"""What the CLI prints: progress bar, plan table, voices table, doctor rows, the render
summary and failed turns. Stages return data and report progress through callbacks;
only this module turns them into text (rich is loaded lazily)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from voicer.api import RenderResult
    from voicer.model import Voice
    from voicer.synth import ProgressCallback, ProgressEvent, RenderPlan


def console(stderr: bool = True) -> Console:
    from rich.console import Console

    # soft_wrap: a path or a sentence is never broken across lines (it stays copyable).
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def clock(seconds: float | None) -> str:
    """"m:ss" or "h:mm:ss"; "-:--" when unknown."""
    if seconds is None:
        return "-:--"
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def line(con: Console, text: str) -> None:
    """Plain text (no rich markup or highlighting: file names may hold brackets)."""
    con.print(text, markup=False, highlight=False)


@contextlib.contextmanager
def rich_progress(con: Console | None = None, quiet: bool = False) -> Iterator[ProgressCallback]:
    """A rich progress bar (turns done/total, audio minutes, elapsed, ETA) as a progress callback.
    With ``quiet=True`` the callback does nothing."""
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
        console=con,
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
            elapsed=clock(event.elapsed),
            eta="0:00" if event.kind == "finish" else clock(event.eta),
            note=note.strip(),
        )

    try:
        yield update
    finally:
        if bar.live.is_started:
            bar.stop()


def print_plan(plan: RenderPlan, con: Console) -> None:
    line(con, plan.format())


def print_failures(failures: Iterable[Any], con: Console) -> None:
    """Each failed turn as one sentence, then what to do."""
    failures = list(failures)
    if not failures:
        return
    con.print(f"[red]{len(failures)} turn(s) failed:[/]")
    for f in failures:
        line(con, f"  {f.sentence() if hasattr(f, 'sentence') else f}")
    con.print("Fix them (or the engine), then run the same command again: finished turns are cached.")


def print_result(result: RenderResult, con: Console, *, quiet: bool = False) -> None:
    """One summary line (always), then failed turns, files and loudness unless quiet."""
    outcome, report = result.outcome, result.export
    loud = report.loudness
    line(
        con,
        f"Wrote {result.path} ({clock(report.duration)}, {len(result.timeline.chapters)} chapters, "
        f"{len(result.timeline.turns)} turns: "
        f"{outcome.synthesized} synthesized, {outcome.reused} from cache)",
    )
    print_failures(outcome.failed, con)
    if quiet:
        return
    if "integrated_lufs" in loud:
        con.print(
            f"Loudness after encoding: {loud['integrated_lufs']:.1f} LUFS, "
            f"true peak {loud.get('true_peak_dbtp', float('nan')):.1f} dBTP"
        )
    for path in report.paths[1:]:
        line(con, f"  + {path}")


def print_voices(voices: Iterable[Voice], con: Console, language: str | None = None) -> None:
    """The voice presets as a table, by language then name."""
    from rich.table import Column, Table

    # A preset's name is what the user types: never wrap it.
    table = Table(
        Column("name", no_wrap=True),
        *("lang", "gender", "kokoro", "offline (eSpeak NG)", "coqui", "description"),
    )
    for v in sorted(voices, key=lambda v: (v.language, v.name)):
        if language and v.language != language:
            continue
        off, coq = v.engines.get("offline", {}), v.engines.get("coqui", {})
        model = str(coq.get("model") or coq.get("model_path") or "").rsplit("/", 1)[-1]
        who = coq.get("speaker") or ("cloned" if coq.get("reference_wav") else "")
        kok = v.engines.get("kokoro", {}).get("voice", "")
        if isinstance(kok, dict):  # a style blend
            kok = "+".join(f"{k}*{w:g}" for k, w in kok.items())
        table.add_row(
            v.name, v.language, v.gender, str(kok), str(off.get("voice", "")), f"{model} {who}".strip(),
            v.description,
        )
    con.print(table)


def print_doctor(rows: Iterable[tuple[str, bool, str]], con: Console) -> None:
    """One line per check: ok / no, what, why."""
    for name, ok, detail in rows:
        con.print(f"[{'green' if ok else 'yellow'}]{'ok ' if ok else 'no '}[/] {name}: ", end="")
        line(con, detail)


def print_script_written(out: Any, script: Any, con: Console) -> None:
    turns = sum(len(c.turns) for c in script.chapters)
    line(
        con,
        f"Wrote {out}: {len(script.chapters)} chapters, {turns} turns, hosts "
        + ", ".join(f"{h.name} ({h.voice})" for h in script.hosts),
    )
