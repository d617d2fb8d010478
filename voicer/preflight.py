"""Checks a render runs before any synthesis, so a mistake costs seconds, not an hour:
a script with nothing to speak, an episode too long to hold in memory, an output that
would overwrite an input, an output folder that cannot be written, encoder settings
the format cannot take."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from voicer.errors import InputError
from voicer.model import Script, word_count

if TYPE_CHECKING:
    from voicer.export import ExportSettings
    from voicer.mix import MixSettings

PathLike = str | os.PathLike[str]


def check_speakable(script: Script, name: str = "The script") -> None:
    """InputError when no turn of `script` has anything to speak, or its turns are in a
    language voicer cannot speak (an edited script in Arabic is named, not read as noise)."""
    from voicer.ingest import check_supported

    check_supported(" ".join(turn.text for _, _, turn in script.turns()), name)
    if not any(word_count(turn.text) for _, _, turn in script.turns()):
        raise InputError(
            f"{name} has no turns to speak; add turns such as `**{_host(script)}:** text` "
            "under a chapter heading."
        )


def _host(script: Script) -> str:
    return script.hosts[0].id if script.hosts else "Host"


def script_inputs(script: Script) -> list[Path]:
    """Files a script came from (its transcript, when it names one that exists)."""
    transcript = script.meta.get("transcript")
    return [Path(transcript)] if transcript and Path(transcript).is_file() else []


def check_outputs_first(
    out: PathLike,
    *,
    mix_settings: MixSettings,
    export_settings: ExportSettings,
    inputs: Iterable[PathLike | None] = (),
) -> Path:
    """What can be checked before the script is even made: output names against the inputs
    (including music and cover files), the output folder, the encoder settings."""
    from voicer.export import preflight

    sources = [*inputs, mix_settings.intro, mix_settings.outro, mix_settings.stinger, export_settings.cover]
    return preflight(out, export_settings, inputs=sources)


def check_script(
    script: Script, out: PathLike, *, mix_settings: MixSettings, export_settings: ExportSettings
) -> None:
    """What needs the script: something to speak, an episode short enough to mix, and no
    output on the transcript the script names."""
    from voicer.export.encode import format_for
    from voicer.export.paths import audio_path, check_outputs, planned_outputs
    from voicer.language import language
    from voicer.mix import check_length

    check_speakable(script)
    lang = language(script.language)
    # The fastest rate any engine speaks at: the estimate errs towards a shorter episode.
    rate = max(lang.rate(), lang.rate("offline"))
    check_length(script, mix_settings, rate)
    audio = audio_path(out, format_for(Path(out), export_settings.format))
    check_outputs(planned_outputs(audio, export_settings.sidecars), script_inputs(script))
