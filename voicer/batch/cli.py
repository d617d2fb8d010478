"""The `voicer batch` command (registered in voicer/cli.py). Only typer (and the shared options
of voicer/cli_options.py) is imported here; the run itself loads inside the command."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from voicer.cli_options import BitrateOpt, EngineOpt, QuietOpt, VoicesDirOpt, render_settings


def batch(
    source: Annotated[
        Path, typer.Argument(help="Folder of transcripts, or a .csv/.toml manifest listing them.")
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder for every episode.")] = Path(
        "episodes"
    ),
    engine: EngineOpt = "auto",
    device: Annotated[str, typer.Option("--device", help="auto, cpu, cuda, cuda:1 or mps.")] = "auto",
    workers: Annotated[
        int | None, typer.Option("--workers", "-j", help="Turns synthesized at once (Ray: actors).")
    ] = None,
    cache_dir: Annotated[Path | None, typer.Option("--cache-dir", help="Turn cache folder.")] = None,
    voices_dir: VoicesDirOpt = None,
    lexicon: Annotated[
        list[Path] | None, typer.Option("--lexicon", help="Extra pronunciation lexicon (repeatable).")
    ] = None,
    ray: Annotated[bool, typer.Option("--ray", help="Run turns on Ray actors (a local Ray).")] = False,
    ray_address: Annotated[
        str | None,
        typer.Option("--ray-address", help="Join this Ray cluster (host:6379, ray://host:10001, auto)."),
    ] = None,
    shared_cache: Annotated[
        Path | None,
        typer.Option("--shared-cache", help="Ray: actors write turns to this folder every node sees."),
    ] = None,
    group_size: Annotated[
        int, typer.Option("--group-size", help="Episodes whose turns are scheduled together.")
    ] = 8,
    force: Annotated[bool, typer.Option("--force", help="Render episodes the state says are done.")] = False,
    index: Annotated[
        bool, typer.Option("--index", help="Also write each episode's preview page and index.html.")
    ] = False,
    quiet: QuietOpt = False,
    lufs: Annotated[float | None, typer.Option("--lufs", help="Loudness target.")] = None,
    bitrate: BitrateOpt = 128,
    show: Annotated[
        str | None,
        typer.Option("--show", help="Show name (tags; the feed's title when --title is not given)."),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Podcast title for the feed.")] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public URL of the output folder: writes feed.xml.")
    ] = None,
    author: Annotated[
        str | None, typer.Option("--author", help="Podcast author (itunes:author; default: --show).")
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", help="Podcast description for the feed.")
    ] = None,
    email: Annotated[str | None, typer.Option("--email", help="Owner email (itunes:owner).")] = None,
    image: Annotated[str | None, typer.Option("--image", help="Cover image URL (.jpg/.png).")] = None,
    category: Annotated[str | None, typer.Option("--category", help="iTunes category.")] = None,
    agree_coqui_license: Annotated[
        bool, typer.Option("--agree-coqui-license", help="Accept XTTS v2's CPML licence.")
    ] = False,
) -> None:
    """Render every episode of SOURCE into --out (resumable), then write the feed."""
    from voicer.cli_display import console
    from voicer.export import ExportSettings
    from voicer.mix import MixSettings

    from .progress import rich_batch_progress
    from .runner import BatchSettings, run_batch

    feed: dict[str, Any] | None = None
    if base_url:
        feed = {"title": title or show or "", "base_url": base_url}
        extra = {
            "author": author or show,
            "owner_email": email,
            "image": image,
            "category": category,
            "description": description,
        }
        feed.update({k: v for k, v in extra.items() if v is not None})
    settings = BatchSettings(
        render=render_settings(engine, device, voices_dir, lexicon, cache_dir, workers, agree_coqui_license),
        mix=MixSettings(lufs=lufs),
        export=ExportSettings(bitrate_kbps=bitrate, show=show),
        ray=ray or ray_address is not None,
        ray_address=ray_address,
        shared_cache=shared_cache,
        group_size=group_size,
        force=force,
        feed=feed,
        index=index,
    )
    err = console(stderr=True)
    with rich_batch_progress(err, quiet=quiet) as progress:
        report = run_batch(source, out, settings, progress)
    hours = sum(e.seconds for e in report.episodes if e.status != "failed") / 3600
    kinds = {"ray": "Ray actors", "in-process": "in this process", "fresh-process": "fresh-process workers"}
    how = f", {report.workers} {kinds.get(report.pool, 'worker processes')}" if report.workers else ""
    err.print(
        f"{len(report.episodes)} episodes: {report.count('done')} rendered, {report.count('skipped')} "
        f"unchanged, {report.count('failed')} failed ({hours:.2f} h of audio, {report.elapsed:.1f} s{how})",
        markup=False,
    )
    for failed in report.failed:
        err.print(f"  failed: {failed.name} ({failed.input}): {failed.message}", markup=False)
    for written in (report.feed, report.index):
        if written:
            err.print(f"Wrote {written}", markup=False)
    if report.failed:
        raise typer.Exit(1)
