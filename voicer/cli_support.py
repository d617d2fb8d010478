"""What the CLI prints: the dry-run plan and the render summary (rich, loaded lazily)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from voicer.api import RenderResult
    from voicer.render import RenderPlan


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def print_plan(plan: RenderPlan, console: Console) -> None:
    console.print(plan.format(), markup=False, highlight=False)


def print_result(result: RenderResult, console: Console, *, quiet: bool = False) -> None:
    """One summary line (always), then files, loudness and failed turns unless quiet."""
    outcome, report = result.outcome, result.export
    loud = report.loudness
    line = (
        f"Wrote {result.path} ({_clock(report.duration)}, {len(result.timeline.chapters)} chapters, "
        f"{len(result.timeline.turns)} turns: {outcome.synthesized} synthesized, {outcome.reused} from cache)"
    )
    console.print(line, markup=False, highlight=False)
    if outcome.failed:
        console.print(f"[red]{len(outcome.failed)} turn(s) failed:[/]")
        for f in outcome.failed:
            console.print(f"  {f}", markup=False, highlight=False)
        console.print("Fix them (or the engine), then run the same command again: finished turns are cached.")
    if quiet:
        return
    if "integrated_lufs" in loud:
        console.print(
            f"Loudness after encoding: {loud['integrated_lufs']:.1f} LUFS, "
            f"true peak {loud.get('true_peak_dbtp', float('nan')):.1f} dBTP"
        )
    for path in report.paths[1:]:
        console.print(f"  + {path}", markup=False, highlight=False)
