"""CLI options and settings shared by several commands (`voicer render`, `voicer batch`, ...).

Each option is declared once here so the commands agree on its name and help text.
Only typer is imported; the settings classes load inside the function that builds them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from voicer.synth import RenderSettings

EngineOpt = Annotated[str, typer.Option("--engine", help="auto, kokoro, offline or coqui.")]
VoicesDirOpt = Annotated[
    list[Path] | None, typer.Option("--voices-dir", help="Extra folder of voice presets (repeatable).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")]
BitrateOpt = Annotated[int, typer.Option("--bitrate", help="MP3 bitrate in kbps.")]


def render_settings(
    engine: str,
    device: str,
    voices_dir: list[Path] | None,
    lexicon: list[Path] | None,
    cache_dir: Path | None,
    workers: int | None,
    agree_coqui_license: bool,
    **more: Any,
) -> RenderSettings:
    """The synthesis settings from the options `render` and `batch` both take (`more`: the rest)."""
    from voicer.synth import RenderSettings

    return RenderSettings(
        engine=engine,
        device=device,
        voices_dir=tuple(voices_dir or ()),
        lexicon=tuple(lexicon or ()),
        cache_dir=cache_dir,
        workers=workers,
        agree_coqui_license=agree_coqui_license,
        **more,
    )
