"""The episodes of a folder: facts from each MP3's ID3 tags and the sidecars `export` wrote."""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from voicer.errors import ExportError

_TRANSCRIPTS = ((".vtt", "text/vtt"), (".srt", "application/x-subrip"))
# Show notes: the export stage's Markdown sidecar (".md"; ".notes.md" if it is renamed
# so it cannot collide with a Markdown input).
_NOTES = (".notes.md", ".md")


@dataclass
class Episode:
    path: Path
    title: str
    size: int
    duration: float
    published: _dt.datetime
    episode: int | None = None
    language: str | None = None
    notes: str | None = None
    """Show notes (Markdown, without their title line)."""
    artist: str | None = None
    chapters: Path | None = None
    transcripts: tuple[tuple[Path, str], ...] = ()
    cover: Path | None = None
    """The episode's own artwork (the export stage's EPISODE.cover.png/.jpg sidecar)."""

    @property
    def guid(self) -> str:
        """Stable across rebuilds: depends only on the file name and title."""
        return hashlib.sha1(f"{self.path.name}\n{self.title}".encode()).hexdigest()

    @property
    def description(self) -> str | None:  # the name earlier versions used
        return self.notes


def _parse_date(text: str) -> _dt.datetime | None:
    """ISO date or date-time from a TDRC frame ("2026", "2026-11", "2026-11-23T08:00"), UTC if naive."""
    text = text.strip()
    for candidate in (text, text + "-01", text + "-01-01"):
        try:
            value = _dt.datetime.fromisoformat(candidate)
        except ValueError:
            continue
        return value if value.tzinfo else value.replace(tzinfo=_dt.UTC)
    return None


def _beside(path: Path, suffix: str) -> Path:
    stem = path.with_suffix("")
    return stem.with_name(stem.name + suffix)


def _read_episode(path: Path) -> Episode:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

    from .notes import notes_body

    try:
        audio = MP3(str(path))
    except MutagenError as exc:
        raise ExportError(f"{path} is not a readable MP3 ({exc}); remove it or export it again.") from exc
    tags = audio.tags
    stat = path.stat()

    def text(frame: str) -> str | None:
        if tags is None or frame not in tags:
            return None
        value = str(tags[frame].text[0]) if tags[frame].text else ""
        return value.strip() or None

    published = _parse_date(date) if (date := text("TDRC")) is not None else None
    if published is None:
        published = _dt.datetime.fromtimestamp(stat.st_mtime, _dt.UTC)
    number = None
    if (track := text("TRCK")) is not None:
        head = track.split("/")[0].strip()
        number = int(head) if head.isdigit() else None
    notes_file = next((p for s in _NOTES if (p := _beside(path, s)).is_file()), None)
    notes = notes_body(notes_file.read_text(encoding="utf-8")) if notes_file else None
    if notes is None and tags is not None:
        comments = tags.getall("COMM")
        notes = str(comments[0].text[0]) if comments and comments[0].text else None
    chapters = _beside(path, ".chapters.json")
    cover = next((p for s in (".cover.png", ".cover.jpg") if (p := _beside(path, s)).is_file()), None)
    return Episode(
        path=path,
        title=text("TIT2") or path.stem,
        size=stat.st_size,
        duration=float(audio.info.length),
        published=published,
        episode=number,
        language=text("TLAN"),
        notes=notes,
        artist=text("TPE1"),
        chapters=chapters if chapters.is_file() else None,
        transcripts=tuple((_beside(path, e), m) for e, m in _TRANSCRIPTS if _beside(path, e).is_file()),
        cover=cover,
    )


def scan_episodes(folder: str | os.PathLike[str]) -> list[Episode]:
    """Every *.mp3 in `folder` (not recursive), newest first."""
    root = Path(folder).expanduser()
    if not root.is_dir():
        raise ExportError(f"{root} is not a folder; give the folder holding the exported .mp3 episodes.")
    episodes = [_read_episode(p) for p in sorted(root.glob("*.mp3")) if not p.name.startswith(".")]
    if not episodes:
        raise ExportError(f"{root} holds no .mp3 episodes; export episodes into it first.")
    episodes.sort(key=lambda e: (e.published, e.episode or 0, e.path.name), reverse=True)
    return episodes
