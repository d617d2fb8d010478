"""export: `Mixed` -> audio file (MP3 default; WAV, FLAC, OGG, M4A) with tags + chapters, and sidecars.

The audio is encoded to a temp file beside the destination, tagged, decoded
again to measure the loudness a listener gets, and only then renamed into
place. If encoding overshoots the true-peak ceiling it is re-encoded once
with the gain lowered by the overshoot.

M4A (AAC) needs the optional PyAV (`voicer[m4a]`): it encodes, muxes the
chapters (Nero `chpl` + QuickTime chapter track) and decodes the file for the
loudness check; mutagen writes the iTunes tags.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from voicer.errors import ExportError
from voicer.export.encode import (
    AAC_RATES,
    LOSSY,
    MP3_RATES,
    decode_blocks,
    format_for,
    read_audio,
    write_audio,
)
from voicer.export.id3 import Tags, language_facts, playable_chapters, read_cover, write_tags
from voicer.export.paths import preflight
from voicer.export.report import report_json
from voicer.export.sidecars import chapters_json, cues, show_notes, srt, vtt
from voicer.fsutil import atomic_path
from voicer.model import Mixed, Script, TimedChapter, Timeline
from voicer.ranges import check_range

__all__ = ["ExportSettings", "ExportReport", "export_episode", "preflight", "SIDECARS"]

SIDECARS = ("chapters", "srt", "vtt", "notes", "report", "cover")
PathLike = str | os.PathLike[str]


@dataclass
class ExportSettings:
    """Every knob of the export. Tag fields left None come from `script` (title, meta)."""

    format: str | None = None
    """"mp3", "wav", "flac", "ogg" or "m4a" (AAC; needs `voicer[m4a]`); None = from the file extension."""
    bitrate_kbps: int = 128
    """MP3 constant bit rate; the AAC (M4A) target bit rate."""
    sample_rate: int | None = None
    """None keeps the mix's rate (MP3 needs 32/44.1/48 kHz, AAC one of `AAC_RATES`: another
    mix rate becomes 44.1 kHz)."""
    title: str | None = None
    show: str | None = None
    """Show name: the default for artist and album (else script.meta "show")."""
    artist: str | None = None
    """Default: the show, else script.meta author, else the host names."""
    album: str | None = None
    """Default: the show, else the title."""
    episode: int | str | None = None
    date: str | None = None
    """ISO date; default script.meta date, else today (UTC)."""
    language: str | None = None
    """ISO 639-2 code (chi, eng); default from script.language."""
    comment: str | None = None
    """Default: script.meta description."""
    description: str | None = None
    """Show-notes text; default: comment."""
    cover: PathLike | None = None
    """JPEG or PNG cover art embedded (ID3 APIC, FLAC/Vorbis picture, MP4 covr)."""
    draw_cover: bool = True
    """Without `cover`, draw one (show + title, 1400 px PNG; `voicer.artwork.cover`) and embed it."""
    sidecars: tuple[str, ...] = SIDECARS
    """Which of "chapters", "srt", "vtt", "notes", "report" (EPISODE.voicer.json: engine, voices,
    loudness, turn times) and "cover" (EPISODE.cover.png/.jpg, the embedded art) to write."""
    cue_max_seconds: float = 7.0
    cue_max_chars: float = 40.0
    """Per cue: Han characters count 1, other characters 0.5."""
    # The loudness target and true-peak ceiling belong to `MixSettings` alone: export checks
    # the encoded file against the mix's (`mixed.loudness["target_lufs"]`, `["ceiling_dbtp"]`).
    lufs_tolerance: float = 0.3
    """A lossy file further than this from the target is re-encoded once with corrected gain."""
    measure: bool = True
    """Decode the written file and measure its loudness (needed for the ceiling check)."""

    def __post_init__(self) -> None:
        # Shared by the CLI and the API: a bad value is refused before any synthesis.
        check_range(
            "The bit rate (--bitrate)",
            self.bitrate_kbps,
            32,
            320,
            unit="kbps",
            error=ExportError,
            integer=True,
        )
        if self.sample_rate is not None:
            check_range(
                "The sample rate", self.sample_rate, 8000, 192000, unit="Hz", error=ExportError, integer=True
            )
        check_range(
            "The longest subtitle cue", self.cue_max_seconds, 1, 60, unit="seconds", error=ExportError
        )
        check_range(
            "The subtitle cue width", self.cue_max_chars, 4, 500, unit="characters", error=ExportError
        )
        check_range("The loudness tolerance", self.lufs_tolerance, 0.05, 10, unit="LU", error=ExportError)


@dataclass
class ExportReport:
    audio: Path
    paths: list[Path]
    """Every file written: the audio first, then sidecars."""
    format: str
    sample_rate: int
    channels: int
    duration: float
    """Seconds of audio encoded."""
    loudness: dict[str, float] = field(default_factory=dict)
    """Measured on the decoded file: integrated_lufs, true_peak_dbtp, sample_peak_dbfs."""
    chapters: list[TimedChapter] = field(default_factory=list)
    bitrate_kbps: int | None = None
    reencoded: bool = False


def _tags(script: Script, settings: ExportSettings, title: str) -> Tags:
    meta = script.meta
    show = settings.show or meta.get("show")
    artist = settings.artist or show or meta.get("author") or " & ".join(h.name for h in script.hosts)
    episode = settings.episode if settings.episode is not None else meta.get("episode")
    cover, mime = read_cover(settings.cover) if settings.cover else (None, None)
    if cover is None and settings.draw_cover:
        from voicer.artwork.cover import draw_cover

        number = str(episode) if episode not in (None, "") else None
        cover, mime = draw_cover(title, show, episode=number), "image/png"
    return Tags(
        title=title,
        artist=artist or None,
        album=settings.album or show or title,
        episode=str(episode) if episode not in (None, "") else None,
        date=settings.date or meta.get("date") or _dt.datetime.now(_dt.UTC).date().isoformat(),
        language=settings.language or language_facts(script.language)["iso639_2"],
        comment=settings.comment or meta.get("description"),
        cover=cover,
        cover_mime=mime,
    )


def _target_rate(fmt: str, rate: int, requested: int | None) -> int:
    allowed = {"mp3": MP3_RATES, "m4a": AAC_RATES}.get(fmt)
    if requested:
        if allowed and requested not in allowed:
            raise ExportError(f"{fmt.upper()} cannot be {requested} Hz; use 44100 or 48000.")
        return requested
    return rate if not allowed or rate in allowed else 44100


def export_episode(
    mixed: Mixed,
    script: Script,
    out_path: PathLike,
    settings: ExportSettings = ExportSettings(),  # noqa: B008
    *,
    about: dict[str, object] | None = None,
) -> ExportReport:
    """Write the episode audio (atomically, tagged, chaptered) and its sidecars.

    `about`: facts only the caller knows (e.g. {"engine": "offline"}), kept in EPISODE.voicer.json.
    """
    # Format, encoder settings, writable folder, no file written twice (api.render also
    # ran this before synthesis, with the inputs it knows of).
    out = preflight(out_path, settings)
    fmt = format_for(out, settings.format)
    title = settings.title or script.title
    tags = _tags(script, settings, title)

    samples = np.asarray(mixed.samples, dtype=np.float32)
    rate = _target_rate(fmt, mixed.sample_rate, settings.sample_rate)
    if rate != mixed.sample_rate:
        import soxr

        samples = np.asarray(soxr.resample(samples, mixed.sample_rate, rate, quality="HQ"), dtype=np.float32)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    timeline = mixed.timeline

    loudness: dict[str, float] = {}
    reencoded = False
    gain_db = 0.0
    target = mixed.loudness.get("target_lufs")
    ceiling = mixed.loudness.get("ceiling_dbtp", -1.0)
    # The temp file carries the format's extension: the encoders choose by extension.
    with atomic_path(out, suffix=f".{fmt}") as tmp:
        if fmt in LOSSY and settings.measure:
            # LAME scales its input (0.95 at 128 kbps): learn the encoder's gain on an
            # excerpt and compensate, so a full-length second encode is rarely needed.
            offset = _encoder_gain_db(samples, rate, fmt, settings.bitrate_kbps, tmp)
            if abs(offset) >= 0.05:
                gain_db = -offset
        write_audio(samples, rate, tmp, fmt, settings.bitrate_kbps, gain_db, chapters=timeline.chapters)
        if settings.measure:
            loudness = _measure_file(tmp)
            gain = _correction(loudness, target, ceiling, settings.lufs_tolerance) if fmt in LOSSY else 0.0
            if gain:
                # Still off target (or the encoder overshot the ceiling): encode again.
                gain_db += gain
                write_audio(
                    samples, rate, tmp, fmt, settings.bitrate_kbps, gain_db, chapters=timeline.chapters
                )
                loudness = _measure_file(tmp)
                reencoded = True
        write_tags(tmp, fmt, tags, timeline.chapters)

    facts = {"file": out.name, "format": fmt, "sample_rate": rate, "channels": channels}
    facts |= {"duration": samples.shape[0] / rate, "bitrate_kbps": settings.bitrate_kbps}
    facts |= {"target_lufs": target, "ceiling_dbtp": ceiling}
    paths = [out, *_write_sidecars(out, script, timeline, title, tags, settings, facts, loudness, about)]

    return ExportReport(
        audio=out,
        paths=paths,
        format=fmt,
        sample_rate=rate,
        channels=channels,
        duration=samples.shape[0] / rate,
        loudness=loudness,
        chapters=playable_chapters(timeline.chapters),
        bitrate_kbps=settings.bitrate_kbps if fmt in ("mp3", "m4a") else None,
        reencoded=reencoded,
    )


def _write_sidecars(
    out: Path,
    script: Script,
    timeline: Timeline,
    title: str,
    tags: Tags,
    settings: ExportSettings,
    facts: dict[str, object],
    loudness: dict[str, float],
    about: dict[str, object] | None,
) -> list[Path]:
    """Write the sidecars `settings.sidecars` asks for, beside `out`; their paths in order."""
    paths: list[Path] = []
    stem = out.with_suffix("")
    wanted = set(settings.sidecars)
    if "chapters" in wanted:
        paths.append(_write(stem, ".chapters.json", chapters_json(timeline, title)))
    if {"srt", "vtt"} & wanted:
        cue_list = cues(timeline, settings.cue_max_seconds, settings.cue_max_chars)
        if "srt" in wanted:
            paths.append(_write(stem, ".srt", srt(cue_list)))
        if "vtt" in wanted:
            paths.append(_write(stem, ".vtt", vtt(cue_list)))
    if "notes" in wanted:
        description = settings.description or settings.comment or script.meta.get("description")
        # ".notes.md", not ".md": a script file "ep.md" rendered to "ep.mp3" must survive.
        paths.append(_write(stem, ".notes.md", show_notes(script, timeline, title, description)))
    cover_file = None
    if "cover" in wanted and tags.cover:
        ext = ".cover.png" if tags.cover_mime == "image/png" else ".cover.jpg"
        paths.append(_write_bytes(stem, ext, tags.cover))
        cover_file = paths[-1].name
    if "report" in wanted:
        doc = report_json(
            script, timeline, tags, facts={**facts, "cover": cover_file}, loudness=loudness, about=about
        )
        paths.append(_write(stem, ".voicer.json", doc))
    return paths


def _correction(loudness: dict[str, float], target: float | None, ceiling: float, tolerance: float) -> float:
    """Gain (dB) for a second encode, or 0.0 when the file is within tolerance and under the ceiling."""
    lufs, peak = loudness["integrated_lufs"], loudness["true_peak_dbtp"]
    headroom = ceiling - 0.2 - peak
    gain = 0.0
    if target is not None and math.isfinite(lufs) and abs(target - lufs) > tolerance:
        gain = target - lufs
    if peak > ceiling or gain > headroom:
        gain = min(gain, headroom)  # the ceiling wins over the loudness target
    return gain if abs(gain) >= 0.05 else 0.0


def _encoder_gain_db(samples: np.ndarray, rate: int, fmt: str, bitrate_kbps: int, beside: Path) -> float:
    """Level change (dB) the encoder applies, measured by encoding ~10 s from the middle."""
    n = samples.shape[0]
    length = min(n, 10 * rate)
    excerpt = samples[(n - length) // 2 : (n - length) // 2 + length]
    power_in = float(np.mean(np.square(excerpt, dtype=np.float64)))
    if length < rate // 2 or power_in <= 1e-10:
        return 0.0
    probe = beside.with_name(beside.name + ".probe" + beside.suffix)
    try:
        write_audio(excerpt, rate, probe, fmt, bitrate_kbps)
        decoded, _ = read_audio(probe)
    finally:
        probe.unlink(missing_ok=True)
    power_out = float(np.mean(np.square(decoded, dtype=np.float64))) * decoded.shape[0] / length
    return 10.0 * math.log10(power_out / power_in) if power_out > 0 else 0.0


def _write(stem: Path, suffix: str, text: str) -> Path:
    return _write_bytes(stem, suffix, text.encode("utf-8"))


def _write_bytes(stem: Path, suffix: str, data: bytes) -> Path:
    path = stem.with_name(stem.name + suffix)
    try:
        with atomic_path(path) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise ExportError(f"Cannot write {path} ({exc.strerror}); check the folder is writable.") from exc
    return path


def _measure_file(path: Path) -> dict[str, float]:
    if path.suffix.lower() == ".m4a":
        return _measure_m4a(path)
    from voicer.mix import measure_file

    return measure_file(str(path))


def _measure_m4a(path: Path) -> dict[str, float]:
    """Loudness of an M4A file decoded by PyAV block by block (pedalboard reads AAC only on macOS)."""
    from voicer.mix import Meter, measure

    meter: Meter | None = None
    held: np.ndarray | None = None
    for block, sr in decode_blocks(path):
        if sr % 10:  # 100 ms is not a whole number of samples: measure in one piece
            data, sr = read_audio(path)
            return measure(data, sr)
        if meter is None:
            meter = Meter(sr, 1 if block.ndim == 1 else block.shape[1])
        if held is not None:
            meter.add(held)
        held = block  # one block behind, so the last one is fed with last=True
    if meter is None or held is None:
        raise ExportError(f"{path.name} holds no audio after encoding; check the mix is not empty.")
    meter.add(held, last=True)
    return meter.figures()
