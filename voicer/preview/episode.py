"""Everything the preview knows about one episode, read from the audio file and its sidecars.

Sources, best first: ``EPISODE.voicer.json`` (written by export: engine, voices, loudness,
exact turn times), ``EPISODE.chapters.json``, ``EPISODE.vtt`` (else ``.srt``), ``EPISODE.md``
show notes, then the file's own tags (ID3 chapters, cover). Whatever is missing is listed
in `Episode.missing` as a sentence, so the page can say it.

This module reads files only: it imports no export or feed code.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicer.errors import PreviewError

AUDIO_SUFFIXES = (".mp3", ".m4a", ".wav", ".flac", ".ogg")
_TIME = r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{3})"
_TIMING_RE = re.compile(rf"^\s*{_TIME}\s*-->\s*{_TIME}")
_VOICE_RE = re.compile(r"^<v(?:\.[^ >]*)?\s+([^>]*)>")
_TAG_RE = re.compile(r"</?[a-zA-Z][^>]*>")


@dataclass
class Chapter:
    title: str
    start: float
    end: float | None = None


@dataclass
class Cue:
    start: float
    end: float
    speaker: str
    text: str


@dataclass
class Turn:
    speaker: str
    start: float
    end: float


@dataclass
class Episode:
    audio: Path
    title: str
    show: str | None = None
    number: str | None = None
    date: str | None = None
    language: str | None = None
    duration: float | None = None
    engine: str | None = None
    voices: dict[str, str] = field(default_factory=dict)
    """Speaker name -> voice preset."""
    speakers: list[str] = field(default_factory=list)
    chapters: list[Chapter] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)
    turns: list[Turn] = field(default_factory=list)
    loudness: dict[str, float | None] = field(default_factory=dict)
    notes: str | None = None
    """Show notes (Markdown)."""
    cover: tuple[bytes, str] | None = None
    """Embedded cover art and its MIME type."""
    cover_file: str | None = None
    """The cover sidecar's file name, relative to the audio."""
    sources: dict[str, str] = field(default_factory=dict)
    """What each part came from, e.g. {"chapters": "ep.chapters.json"}."""
    missing: list[str] = field(default_factory=list)

    def sidecar(self, suffix: str) -> Path:
        stem = self.audio.with_suffix("")
        return stem.with_name(stem.name + suffix)


def _seconds(groups: tuple[str | None, ...]) -> float:
    h, m, s, ms = (int(g or 0) for g in groups)
    return h * 3600 + m * 60 + s + ms / 1000


def parse_cues(text: str) -> list[Cue]:
    """Cues of a WebVTT or SRT file: times, the `<v Name>` speaker (VTT) and plain text."""
    out: list[Cue] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").lstrip("\ufeff")):
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            m = _TIMING_RE.match(line)
            if not m:
                continue
            body = " ".join(x.strip() for x in lines[i + 1 :] if x.strip())
            voice = _VOICE_RE.match(body)
            speaker = html.unescape(voice.group(1).strip()) if voice else ""
            words = html.unescape(_TAG_RE.sub("", body[voice.end() :] if voice else body)).strip()
            if words:
                out.append(Cue(_seconds(m.groups()[:4]), _seconds(m.groups()[4:]), speaker, words))
            break
    return out


def _split_srt_speakers(cues: list[Cue], names: list[str]) -> None:
    """SRT has no voice tag; voicer writes "Name: text". Split only on names known from the report."""
    for cue in cues:
        for name in names:
            if cue.text.startswith(f"{name}: "):
                cue.speaker, cue.text = name, cue.text[len(name) + 2 :]
                break


def turns_from_cues(cues: list[Cue], gap: float = 1.0) -> list[Turn]:
    """Speaker turns approximated from cues: consecutive cues of one speaker, less than `gap` apart."""
    turns: list[Turn] = []
    for c in cues:
        if not c.speaker:
            continue
        last = turns[-1] if turns else None
        if last and last.speaker == c.speaker and c.start - last.end < gap:
            last.end = max(last.end, c.end)
        else:
            turns.append(Turn(c.speaker, c.start, c.end))
    return turns


def _read_json(path: Path, missing: list[str]) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        missing.append(f"{path.name} could not be read ({exc}); it was ignored.")
        return None
    return doc if isinstance(doc, dict) else None


def _tags(audio: Path) -> dict[str, Any]:
    """Title, album, track, date, ID3 chapters, cover and duration from the file's own tags."""
    import mutagen

    try:
        f = mutagen.File(str(audio))
    except Exception:  # mutagen raises its own errors for unreadable files
        return {}
    if f is None:
        return {}
    out: dict[str, Any] = {"duration": getattr(f.info, "length", None)}
    tags = f.tags
    if tags is not None and hasattr(tags, "getall"):  # ID3 (MP3, WAV)
        for key, frame in (("title", "TIT2"), ("album", "TALB"), ("number", "TRCK"), ("date", "TDRC")):
            if tags.getall(frame):
                out[key] = str(tags.getall(frame)[0])
        chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
        out["chapters"] = [
            Chapter(
                str(c.sub_frames["TIT2"]) if "TIT2" in c.sub_frames else c.element_id,
                c.start_time / 1000,
                c.end_time / 1000,
            )
            for c in chaps
        ]
        pics = tags.getall("APIC")
        if pics:
            out["cover"] = (bytes(pics[0].data), pics[0].mime or "image/jpeg")
    elif tags is not None:  # Vorbis comments / MP4 atoms: the title is enough here
        for key in ("title", "\xa9nam", "TITLE"):
            if key in tags:
                value = tags[key]
                out["title"] = str(value[0] if isinstance(value, list) else value)
                break
    return out


def _chapters(doc: dict[str, Any] | None) -> list[Chapter]:
    items = (doc or {}).get("chapters") or []
    out = []
    for c in items:
        if isinstance(c, dict) and "title" in c:
            start = c.get("startTime", c.get("start", 0.0))
            out.append(Chapter(str(c["title"]), float(start or 0.0), _float(c.get("endTime", c.get("end")))))
    return out


def _float(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _is_script(text: str) -> bool:
    """A voicer script (not show notes) written beside the audio under the same name."""
    return text.startswith("---") and "voicer: script" in text.split("\n---", 1)[0]


def load_episode(audio: str | Path) -> Episode:
    """Read an episode's audio tags and sidecars; raises `PreviewError` when the audio is not there."""
    path = Path(audio).expanduser()
    if path.suffix.lower() not in AUDIO_SUFFIXES:
        raise PreviewError(f"{path} is not an episode audio file; give the .mp3 (or .m4a/.wav/.flac/.ogg).")
    if not path.is_file():
        raise PreviewError(f"{path} does not exist; give the episode's audio file.")
    ep = Episode(audio=path, title=path.stem)
    report = _read_json(ep.sidecar(".voicer.json"), ep.missing)
    tags = _tags(path)
    _fill_facts(ep, report, tags)
    _fill_chapters(ep, report, tags)
    _fill_cues(ep, report)
    # Show notes are EPISODE.notes.md; older exports wrote EPISODE.md (which may be a script instead).
    for notes in (ep.sidecar(".notes.md"), ep.sidecar(".md")):
        if notes.is_file():
            text = notes.read_text(encoding="utf-8", errors="replace")
            if not _is_script(text):
                ep.notes, ep.sources["notes"] = text, notes.name
                break
    if ep.notes is None:
        ep.missing.append(f"No show notes ({ep.sidecar('.notes.md').name}).")
    return ep


def _fill_facts(ep: Episode, report: dict[str, Any] | None, tags: dict[str, Any]) -> None:
    r = report or {}
    ep.title = str(r.get("title") or tags.get("title") or ep.title)
    ep.show = r.get("show") or tags.get("album")
    ep.number = str(r.get("episode") or tags.get("number") or "") or None
    ep.date = r.get("date") or tags.get("date")
    ep.language = r.get("language")
    ep.duration = _float(r.get("duration")) or tags.get("duration")
    ep.engine = r.get("engine")
    hosts = [h for h in r.get("hosts") or [] if isinstance(h, dict)]
    ep.voices = {str(h.get("name")): str(h.get("voice")) for h in hosts if h.get("voice")}
    ep.speakers = [str(h.get("name")) for h in hosts]
    ep.loudness = {k: _float(v) for k, v in (r.get("loudness") or {}).items()}
    ep.cover = tags.get("cover")
    cover = r.get("cover")
    # Only a plain file name beside the audio: the report must not point the page elsewhere.
    if isinstance(cover, str) and cover == Path(cover).name and "\\" not in cover:
        ep.cover_file = cover if (ep.audio.parent / cover).is_file() else None
    if report is None:
        ep.missing.append(
            f"No {ep.sidecar('.voicer.json').name}: engine, voices and the loudness target are unknown, "
            "speaker turns come from the transcript."
        )
    else:
        ep.sources["report"] = ep.sidecar(".voicer.json").name
    if ep.cover is None and ep.cover_file is None:
        ep.missing.append("No cover art in the file or beside it.")


def _fill_chapters(ep: Episode, report: dict[str, Any] | None, tags: dict[str, Any]) -> None:
    path = ep.sidecar(".chapters.json")
    found = _chapters(_read_json(path, ep.missing))
    if found:
        ep.chapters, ep.sources["chapters"] = found, path.name
        return
    ep.missing.append(f"No chapters file ({path.name}).")
    for chapters, source in (
        (tags.get("chapters"), "the file's ID3 chapters"),
        (_chapters(report), "report"),
    ):
        if chapters:
            ep.chapters, ep.sources["chapters"] = chapters, source
            return
    ep.missing.append("No chapters in the audio file either: the page has no chapter list.")


def _fill_cues(ep: Episode, report: dict[str, Any] | None) -> None:
    for suffix in (".vtt", ".srt"):
        path = ep.sidecar(suffix)
        if path.is_file():
            ep.cues = parse_cues(path.read_text(encoding="utf-8", errors="replace"))
            if suffix == ".srt":
                _split_srt_speakers(ep.cues, ep.speakers)
            ep.sources["transcript"] = path.name
            break
    if not ep.cues:
        ep.missing.append(f"No transcript ({ep.sidecar('.vtt').name} or .srt): the page has no transcript.")
    turns = [t for t in (report or {}).get("turns") or [] if isinstance(t, dict)]
    if turns:
        ep.turns = [Turn(str(t.get("name")), float(t["start"]), float(t["end"])) for t in turns]
        ep.sources["turns"] = ep.sidecar(".voicer.json").name
    else:
        ep.turns = turns_from_cues(ep.cues)
        if ep.turns:
            ep.sources["turns"] = "transcript cues"
    for name in [t.speaker for t in ep.turns] + [c.speaker for c in ep.cues]:
        if name and name not in ep.speakers:
            ep.speakers.append(name)
