"""Where an episode's files go, checked before any work: outputs never overwrite inputs.

The sidecars are named from the episode's stem: ``ep.chapters.json``, ``ep.srt``,
``ep.vtt``, ``ep.notes.md`` (show notes: ``.notes.md`` so that ``voicer script`` ->
``episode.md`` -> ``voicer render episode.md`` -> ``episode.mp3`` never replaces the
script), ``ep.voicer.json`` and ``ep.cover.png``/``.jpg``. A name that would still land on
an input (``talk.srt`` rendered to ``talk.mp3``) is refused with one sentence before
synthesis starts, as are an output folder that cannot be written and encoder settings
the format cannot take.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from voicer.errors import ExportError

if TYPE_CHECKING:
    from voicer.export import ExportSettings

PathLike = str | os.PathLike[str]

SIDECAR_SUFFIXES: dict[str, tuple[str, ...]] = {
    "chapters": (".chapters.json",),
    "srt": (".srt",),
    "vtt": (".vtt",),
    "notes": (".notes.md",),
    "report": (".voicer.json",),
    "cover": (".cover.png", ".cover.jpg"),
}
"""Suffix(es) each sidecar adds to the episode's stem (the cover's depends on the image)."""

_WHAT = {
    "chapters": "the chapters sidecar",
    "srt": "the SRT transcript sidecar",
    "vtt": "the WebVTT transcript sidecar",
    "notes": "the show notes",
    "report": "the render report",
    "cover": "the cover image",
    "audio": "the episode audio",
    "script": "the script",
}


def _what(name: str) -> str:
    return _WHAT.get(name, name)


def sidecar_path(audio: Path, suffix: str) -> Path:
    stem = audio.with_suffix("")
    return stem.with_name(stem.name + suffix)


def audio_path(out: PathLike, fmt: str) -> Path:
    """The episode file `export_episode` writes for `out` (the format's suffix added when none)."""
    path = Path(out).expanduser()
    return path if path.suffix else path.with_suffix(f".{fmt}")


def planned_outputs(audio: Path, sidecars: Iterable[str]) -> list[tuple[str, Path]]:
    """(what, path) of every file an export to `audio` may write, the audio first."""
    out = [("audio", audio)]
    for name in sidecars:
        out += [(name, sidecar_path(audio, s)) for s in SIDECAR_SUFFIXES.get(name, ())]
    return out


def _same(a: Path, b: Path) -> bool:
    """Same file: by inode when both exist (links, case-insensitive folders), else by path."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return a.expanduser().resolve() == b.expanduser().resolve()


def check_outputs(outputs: Sequence[tuple[str, Path]], inputs: Iterable[PathLike | None]) -> None:
    """ExportError when an output would overwrite an input or another output."""
    given = [Path(p) for p in inputs if p is not None and str(p) not in ("", "-")]
    for what, path in outputs:
        for source in given:
            if _same(path, source):
                raise ExportError(
                    f"{_what(what).capitalize()} would be written to {path}, which is an input; "
                    "choose another output name (or move the input)."
                )
    for i, (what, path) in enumerate(outputs):
        for other, path2 in outputs[:i]:
            if _same(path, path2):
                raise ExportError(
                    f"{_what(what).capitalize()} and {_what(other)} would both be written to "
                    f"{path}; choose another name for one of them."
                )


def check_writable(folder: Path) -> None:
    """ExportError (one sentence, no temp names) unless a file can be created in `folder`."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(
            f"Cannot create the output folder {folder} ({exc.strerror or exc}); choose another -o."
        ) from None
    if not folder.is_dir():
        raise ExportError(f"{folder} is not a folder; choose another -o.")
    try:
        fd, probe = tempfile.mkstemp(prefix=".voicer-probe.", dir=folder)
    except OSError as exc:
        raise ExportError(
            f"Cannot write in {folder} ({exc.strerror or exc}); choose a writable folder for -o."
        ) from None
    os.close(fd)
    with contextlib.suppress(OSError):
        os.unlink(probe)


def preflight(
    out: PathLike,
    settings: ExportSettings,
    *,
    inputs: Iterable[PathLike | None] = (),
    script_out: PathLike | None = None,
) -> Path:
    """Check everything an export needs before the (long) synthesis: the format and its
    encoder settings, that the folder is writable and that no output lands on an input
    or on another output. Returns the audio path."""
    from voicer.export import SIDECARS
    from voicer.export.encode import check_encoder, format_for

    path = Path(out).expanduser()
    if path.is_dir():
        raise ExportError(f"{path} is a folder; give a file name such as {path / 'episode.mp3'}.")
    unknown = set(settings.sidecars) - set(SIDECARS)
    if unknown:
        raise ExportError(f"Unknown sidecar {sorted(unknown)[0]!r}; choose from {', '.join(SIDECARS)}.")
    fmt = format_for(path, settings.format)
    audio = audio_path(path, fmt)
    check_encoder(fmt, settings.bitrate_kbps, settings.sample_rate)
    outputs = planned_outputs(audio, settings.sidecars)
    if script_out is not None:
        outputs.append(("script", Path(script_out).expanduser()))
    check_outputs(outputs, inputs)
    check_writable(audio.parent)
    return audio


def check_cli_outputs(
    source: PathLike,
    out: PathLike | None,
    settings: ExportSettings,
    script_out: PathLike | None,
    other_inputs: Iterable[PathLike | None] = (),
) -> None:
    """`voicer render`'s outputs (the episode and its sidecars, unless `out` is None for a dry
    run, and --script-out) checked against its inputs before the script is made."""
    inputs = [source, *other_inputs]
    if out is not None:
        preflight(out, settings, inputs=inputs, script_out=script_out)
    elif script_out is not None:
        check_outputs([("script", Path(script_out).expanduser())], inputs)
