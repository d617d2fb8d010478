"""Ingest: any transcript a user has (plain text, Markdown interview, SRT/WebVTT,
timestamped podcast transcript; UTF-8/16, GB18030...) -> `Transcript`.

Public: `load_transcript`, `detect_language`, `sniff_format`, `FORMATS`.
"""

from __future__ import annotations

import os
import re
import warnings
from pathlib import Path

from voicer.errors import InputError, VoicerWarning
from voicer.ingest.asides import drop_asides, is_aside
from voicer.ingest.language import detect_language
from voicer.ingest.speakers import NOTE_KEY as SPEAKER_NOTE
from voicer.ingest.speakers import merge_note, merge_speakers
from voicer.ingest.writing import check_supported
from voicer.language import codes
from voicer.model import Segment, Transcript, spoken_text

FORMATS = ("auto", "text", "markdown", "srt", "vtt", "timestamped")
LANGUAGES = codes()  # "zh", "en", "mixed": the voicer.language table

_MD_SIGNS = [
    re.compile(r"^\s{0,3}#{1,6}\s+\S", re.MULTILINE),
    re.compile(r"\*\*[^*\n]+\*\*"),
    re.compile(r"!?\[[^\]\n]*\]\([^)\s]+"),
    re.compile(r"^\s{0,3}(=+|-{3,})\s*$", re.MULTILINE),
    re.compile(r"^\s*>\s", re.MULTILINE),
]


def sniff_format(text: str, path: Path | None = None) -> str:
    """The format of a transcript from its content, the file suffix breaking ties."""
    from voicer.ingest.subtitles import has_cues
    from voicer.ingest.timestamped import looks_timestamped

    head = text.lstrip("\ufeff \t\r\n")
    suffix = path.suffix.lower() if path else ""
    if head.upper().startswith("WEBVTT") or (suffix == ".vtt" and has_cues(text)):
        return "vtt"
    if has_cues(text):
        return "srt"
    if looks_timestamped(text):
        return "timestamped"
    if suffix in (".md", ".markdown", ".mdown", ".mkd"):
        return "markdown"
    if suffix in (".srt", ".vtt"):
        return suffix[1:]
    if sum(1 for p in _MD_SIGNS if p.search(text)) >= 1:
        return "markdown"
    return "text"


def load_transcript(
    source: str | os.PathLike[str] | bytes,
    format: str = "auto",
    language: str | None = None,
) -> Transcript:
    """Read a transcript (a path, or the text itself when it holds a newline and is
    not an existing path) into segments in source order.

    Raises `InputError` naming the file for an unreadable, binary or empty file, a file
    with nothing speakable, an unknown format or an unknown language.
    """
    from voicer.ingest.encoding import read_source

    fmt = (format or "auto").strip().lower()
    aliases = {"md": "markdown", "txt": "text", "plain": "text", "webvtt": "vtt", "plaintext": "text"}
    fmt = aliases.get(fmt, fmt)
    if fmt not in FORMATS:
        name = "the text" if isinstance(source, bytes) or "\n" in str(source) else str(source)
        raise InputError(
            f"Unknown transcript format {format!r} for {name}; use one of: {', '.join(FORMATS)}."
        )
    if language is not None and language not in ("auto", *LANGUAGES):
        raise InputError(f"Unknown language {language!r}; use zh, en or mixed.")

    src = read_source(source)
    if fmt == "auto":
        fmt = sniff_format(src.text, src.path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", VoicerWarning)
        parsed = _parse(src.text, fmt)
    for w in caught:  # a parser's warning, said with the file it is about
        warnings.warn(f"{src.name}, {w.message}", w.category, stacklevel=2)
    segments = parsed.segments
    renamed = merge_speakers(segments)  # "刘:" and "刘铮:" are one person, one voice
    speech = [s for s in segments if s.kind == "speech" and spoken_text(s.text)]
    if not speech:
        what = "no subtitle cues" if fmt in ("srt", "vtt") else "nothing speakable"
        hint = " (check --format)" if format not in (None, "auto") else ""
        raise InputError(f"{src.name} has {what}{hint}; give a transcript with text to speak.")
    _check_length(speech, src.name)
    spoken = " ".join(s.text for s in speech)
    check_supported(spoken, src.name)  # Arabic, Russian, Japanese...: say so, not "nothing to speak"
    lang = language if language not in (None, "auto") else detect_language(spoken)
    meta = dict(parsed.meta or {})
    if renamed:
        meta[SPEAKER_NOTE] = merge_note(renamed, lang)
    return Transcript(
        segments=segments,
        title=parsed.title,
        language=lang,
        source=str(src.path) if src.path else None,
        meta=meta,
    )


def _check_length(speech: list[Segment], name: str) -> None:
    """InputError, before a script is made, for a transcript longer than any episode can be
    (a 10 MB line is 150+ hours: the mix would need 100+ GB)."""
    from voicer.language import codes, language
    from voicer.model import word_count
    from voicer.ranges import MAX_EPISODE_HOURS

    fastest = max(language(c).rate(e) for c in codes() for e in (None, "offline"))
    hours = sum(word_count(s.text) for s in speech) / fastest / 3600
    if hours > MAX_EPISODE_HOURS:
        raise InputError(
            f"{name} holds about {hours:.0f} hours of speech, more than one episode can hold "
            f"({MAX_EPISODE_HOURS:g} hours at most); split it into parts."
        )


def _parse(text: str, fmt: str):  # -> Parsed
    if fmt == "markdown":
        from voicer.ingest.markdown import parse_markdown

        return parse_markdown(text)
    if fmt in ("srt", "vtt"):
        from voicer.ingest.subtitles import parse_subtitles

        return parse_subtitles(text)
    if fmt == "timestamped":
        from voicer.ingest.timestamped import parse_timestamped

        return parse_timestamped(text)
    from voicer.ingest.plaintext import parse_text

    return parse_text(text)


__all__ = [
    "FORMATS",
    "check_supported",
    "detect_language",
    "drop_asides",
    "is_aside",
    "load_transcript",
    "sniff_format",
]
