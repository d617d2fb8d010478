"""The public Python API: one function per step a user takes.

Every stage is imported inside the function that needs it, so ``import voicer``
stays light (no numpy, jieba, torch or TTS at import time).

    import voicer
    script = voicer.make_script(voicer.load_transcript("talk.txt"))
    voicer.render(script, "episode.mp3")
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicer.errors import InputError
from voicer.model import Script, Timeline, Transcript, Voice

if TYPE_CHECKING:
    from voicer.export import ExportReport, ExportSettings
    from voicer.mix import MixSettings
    from voicer.render import RenderOutcome, RenderPlan

PathLike = str | os.PathLike[str]


def load_transcript(source: PathLike, format: str = "auto", language: str | None = None) -> Transcript:
    """Read a transcript file (or text) into a Transcript. See `voicer.ingest`."""
    from voicer.ingest import load_transcript as _load

    return _load(source, format=format, language=language)


def make_script(
    transcript: Transcript,
    *,
    language: str | None = None,
    voices: tuple[str, str] | None = None,
    seed: int = 0,
    title: str | None = None,
) -> Script:
    """Turn a Transcript into a two-host Script with chapters. See `voicer.script`."""
    from voicer.script import make_script as _make

    return _make(transcript, language=language, voices=voices, seed=seed, title=title)


def read_script(path: PathLike) -> Script:
    """Parse an (edited) script file written by `write_script` or `voicer script`."""
    from voicer.script import read_script as _read

    return _read(path)


def write_script(script: Script, path: PathLike) -> None:
    """Write the editable Markdown script file (atomically)."""
    from voicer.script import write_script as _write

    _write(script, path)


def load_script(
    source: PathLike,
    *,
    format: str = "auto",
    language: str | None = None,
    voices: tuple[str, str] | None = None,
    seed: int = 0,
    title: str | None = None,
) -> Script:
    """A Script from either a voicer script file or any transcript."""
    from voicer.script import is_script_file

    path = Path(source)
    if format in ("auto", "script") and path.is_file() and is_script_file(path):
        script = read_script(path)
        if title:
            script.title = title
        return script
    if format == "script":
        raise InputError(f"{source} is not a voicer script file; write one with `voicer script`.")
    transcript = load_transcript(source, format=format, language=language)
    return make_script(transcript, language=language, voices=voices, seed=seed, title=title)


def list_voices(extra_dirs: Sequence[PathLike] = ()) -> dict[str, Voice]:
    """Every voice preset: the bundled ones plus those in `extra_dirs` / $VOICER_VOICES_DIR."""
    from voicer.engines import load_voices

    return load_voices(extra_dirs=tuple(extra_dirs))


@dataclass
class RenderResult:
    """What `render` made: the episode file, its timeline and how it was made."""

    path: Path
    timeline: Timeline
    export: ExportReport
    outcome: RenderOutcome
    engine: str
    engine_note: str = ""
    files: list[Path] = field(default_factory=list)


def render(
    script: Script | PathLike,
    out: PathLike,
    *,
    engine: str = "auto",
    device: str = "auto",
    voices_dir: Sequence[PathLike] = (),
    lexicon: Sequence[PathLike] = (),
    cache_dir: PathLike | None = None,
    workers: int | None = None,
    keep_going: bool = False,
    progress: Callable[[Any], None] | None = None,
    mix_settings: MixSettings | None = None,
    export_settings: ExportSettings | None = None,
    on_engine: Callable[[str], None] | None = None,
    agree_coqui_license: bool = False,
) -> RenderResult:
    """Synthesize every turn, mix and master, and write the episode with its sidecars.

    `script` is a Script or a path to a script file or transcript. Re-running after
    a crash resumes from the turn cache. `progress` receives render progress events;
    `on_engine` receives one line saying which engine was chosen and why.
    `agree_coqui_license` accepts XTTS v2's CPML licence (like COQUI_TOS_AGREED=1).
    """
    from voicer.engines import get_engine
    from voicer.export import ExportSettings, export_episode
    from voicer.mix import MixSettings, mix
    from voicer.render import synthesize_script
    from voicer.text import load_lexicon

    if not isinstance(script, Script):
        script = load_script(script)
    voices = _cast_voices(script, voices_dir)
    eng = get_engine(
        engine,
        device=device,
        voices=voices,
        language=script.language,
        agree_coqui_license=agree_coqui_license,
    )
    note = getattr(eng, "note", "") or ""
    if on_engine and note:
        on_engine(note)
    lex = load_lexicon([Path(p) for p in lexicon] or None)
    try:
        outcome = synthesize_script(
            script,
            engine=eng,
            voices=voices,
            cache_dir=cache_dir,
            workers=workers,
            progress=progress,
            keep_going=keep_going,
            lexicon=lex,
        )
    finally:
        eng.close()
    mixed = mix(script, outcome.audio, mix_settings or MixSettings())
    report = export_episode(mixed, script, out, export_settings or ExportSettings())
    return RenderResult(
        path=Path(out),
        timeline=mixed.timeline,
        export=report,
        outcome=outcome,
        engine=eng.name,
        engine_note=note,
        files=list(report.paths),
    )


def _cast_voices(script: Script, voices_dir: Sequence[PathLike]) -> dict[str, Voice]:
    """All presets, after checking every host's voice exists (fail before any work)."""
    from voicer.engines import get_voice

    voices = list_voices(voices_dir)
    for host in script.hosts:
        get_voice(host.voice, voices)
    return voices


def plan_render(
    script: Script,
    *,
    engine: str | None = None,
    device: str = "auto",
    voices_dir: Sequence[PathLike] = (),
    lexicon: Sequence[PathLike] = (),
    cache_dir: PathLike | None = None,
) -> RenderPlan:
    """What a render would do (chapters, turns, characters, estimated length), without synthesis.

    With an `engine` the text is prepared as the render will and cached turns are counted.
    """
    from voicer.render import plan
    from voicer.text import load_lexicon

    voices = _cast_voices(script, voices_dir)
    lex = load_lexicon([Path(p) for p in lexicon] or None)
    return plan(script, engine=engine, voices=voices, cache_dir=cache_dir, lexicon=lex, device=device)


def build_feed(folder: PathLike, out: PathLike | None = None, **options: Any) -> str:
    """An RSS 2.0 podcast feed of the episodes in `folder` (written to `out` if given)."""
    from voicer.feed import build_feed as _build
    from voicer.fsutil import atomic_write_text

    xml = _build(folder, **options)
    if out is not None:
        atomic_write_text(out, xml)
    return xml


def doctor() -> list[tuple[str, bool, str]]:
    """What engines, models and devices are available here, and why not."""
    from voicer.engines import doctor as _doctor

    return _doctor()


def download_models(
    voice_names: Sequence[str] | None = None,
    *,
    voices_dir: Sequence[PathLike] = (),
    agree_coqui_license: bool = False,
) -> list[tuple[str, bool, str]]:
    """Fetch the Coqui models of these voices (default: the default cast) for offline use."""
    from voicer.engines import download_models as _download

    return _download(
        list(voice_names) if voice_names else None,
        voices=list_voices(voices_dir),
        agree_license=agree_coqui_license,
    )
