"""feed: a folder of exported episodes -> RSS 2.0 podcast feed (iTunes + Podcasting 2.0 tags).

Built with xml.etree so every title (any language, &, <, quotes) is escaped
by the serializer. Episode facts come from each MP3's ID3 tags and the
sidecars `export` writes beside it.
"""

from __future__ import annotations

import datetime as _dt
import email.utils
import hashlib
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from voicer.errors import ExportError
from voicer.fsutil import atomic_path

__all__ = ["Episode", "scan_episodes", "build_feed", "write_feed"]

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
_TRANSCRIPTS = ((".vtt", "text/vtt"), (".srt", "application/x-subrip"))


def _rss_language(iso639_2: str | None) -> str:
    """RSS <language> for an ID3 TLAN code, from the export stage's language table."""
    from voicer.export.id3 import languages

    for facts in languages().values():
        if facts["iso639_2"] == iso639_2:
            return facts["rss"]
    return "en"


@dataclass
class Episode:
    path: Path
    title: str
    size: int
    duration: float
    published: _dt.datetime
    episode: int | None = None
    language: str | None = None
    description: str | None = None
    chapters: Path | None = None
    transcripts: tuple[tuple[Path, str], ...] = ()

    @property
    def guid(self) -> str:
        """Stable across rebuilds: depends only on the file name and title."""
        return hashlib.sha1(f"{self.path.name}\n{self.title}".encode()).hexdigest()


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


def _read_episode(path: Path) -> Episode:
    from mutagen import MutagenError
    from mutagen.mp3 import MP3

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

    title = text("TIT2") or path.stem
    published = None
    if (date := text("TDRC")) is not None:
        published = _parse_date(date)
    if published is None:
        published = _dt.datetime.fromtimestamp(stat.st_mtime, _dt.UTC)
    number = None
    if (track := text("TRCK")) is not None:
        head = track.split("/")[0].strip()
        number = int(head) if head.isdigit() else None
    stem = path.with_suffix("")
    notes = stem.with_name(stem.name + ".md")
    description = _notes_body(notes.read_text(encoding="utf-8")) if notes.is_file() else None
    if description is None and tags is not None:
        comments = tags.getall("COMM")
        description = str(comments[0].text[0]) if comments and comments[0].text else None
    chapters = stem.with_name(stem.name + ".chapters.json")
    transcripts = tuple(
        (stem.with_name(stem.name + ext), mime)
        for ext, mime in _TRANSCRIPTS
        if stem.with_name(stem.name + ext).is_file()
    )
    return Episode(
        path=path,
        title=title,
        size=stat.st_size,
        duration=float(audio.info.length),
        published=published,
        episode=number,
        language=text("TLAN"),
        description=description,
        chapters=chapters if chapters.is_file() else None,
        transcripts=transcripts,
    )


def _notes_body(text: str) -> str | None:
    """Show notes without their leading "# title" line (the item already has a title)."""
    lines = text.strip().splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    return "\n".join(lines).strip() or None


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


def _url(base_url: str, path: Path) -> str:
    return base_url.rstrip("/") + "/" + quote(path.name)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrib: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


def build_feed(
    folder: str | os.PathLike[str],
    *,
    title: str,
    base_url: str,
    description: str | None = None,
    language: str | None = None,
    author: str | None = None,
    image_url: str | None = None,
    image: str | None = None,
    category: str = "Technology",
    subcategory: str | None = None,
    explicit: bool = False,
    link: str | None = None,
    feed_url: str | None = None,
    owner_email: str | None = None,
) -> str:
    """RSS 2.0 XML for the episodes in `folder`, enclosures under `base_url`."""
    if not base_url.startswith(("http://", "https://")):
        raise ExportError(
            f"Base URL {base_url!r} must start with https:// (where the episode files are served)."
        )
    episodes = scan_episodes(folder)
    ET.register_namespace("itunes", ITUNES)
    ET.register_namespace("podcast", PODCAST)
    ET.register_namespace("atom", ATOM)
    it = f"{{{ITUNES}}}"
    pc = f"{{{PODCAST}}}"

    rss = ET.Element("rss", {"version": "2.0"})
    ch = _sub(rss, "channel")
    _sub(ch, "title", title)
    _sub(ch, "link", link or base_url)
    _sub(ch, "description", description or title)
    lang = language or _rss_language(episodes[0].language)
    _sub(ch, "language", lang)
    _sub(ch, "generator", "voicer")
    _sub(ch, "lastBuildDate", email.utils.format_datetime(max(e.published for e in episodes)))
    if feed_url:
        _sub(ch, f"{{{ATOM}}}link", href=feed_url, rel="self", type="application/rss+xml")
    if author:
        _sub(ch, f"{it}author", author)
    if owner_email or author:
        owner = _sub(ch, f"{it}owner")
        if author:
            _sub(owner, f"{it}name", author)
        if owner_email:
            _sub(owner, f"{it}email", owner_email)
    image_url = image_url or image  # `image` is the CLI's name for it
    if image_url is None:
        # Apple requires artwork: use a cover image published beside the episodes.
        root = Path(folder).expanduser()
        cover = next(
            (root / n for n in ("cover.jpg", "cover.png", "cover.jpeg") if (root / n).is_file()), None
        )
        image_url = _url(base_url, cover) if cover else None
    if image_url:
        _sub(ch, f"{it}image", href=image_url)
    # iTunes categories are attributes, not element text.
    cat = ET.SubElement(ch, f"{it}category", {"text": category})
    if subcategory:
        ET.SubElement(cat, f"{it}category", {"text": subcategory})
    _sub(ch, f"{it}explicit", "true" if explicit else "false")
    _sub(ch, f"{it}type", "episodic")

    for ep in episodes:
        item = _sub(ch, "item")
        _sub(item, "title", ep.title)
        _sub(item, f"{it}title", ep.title)
        _sub(item, "enclosure", url=_url(base_url, ep.path), length=str(ep.size), type="audio/mpeg")
        _sub(item, "guid", ep.guid, isPermaLink="false")
        _sub(item, "pubDate", email.utils.format_datetime(ep.published))
        _sub(item, f"{it}duration", str(int(round(ep.duration))))
        if ep.episode is not None:
            _sub(item, f"{it}episode", str(ep.episode))
        _sub(item, "description", ep.description or ep.title)
        _sub(item, f"{it}explicit", "true" if explicit else "false")
        if ep.chapters is not None:
            _sub(item, f"{pc}chapters", url=_url(base_url, ep.chapters), type="application/json+chapters")
        for path, mime in ep.transcripts:
            _sub(item, f"{pc}transcript", url=_url(base_url, path), type=mime, language=lang, rel="captions")

    ET.indent(rss, space="  ")
    return ET.tostring(rss, encoding="unicode", xml_declaration=False).join(
        ['<?xml version="1.0" encoding="UTF-8"?>\n', "\n"]
    )


def write_feed(folder: str | os.PathLike[str], out_path: str | os.PathLike[str], **kw: object) -> Path:
    """Write `build_feed(folder, **kw)` atomically to `out_path` (UTF-8); returns the path."""
    xml = build_feed(folder, **kw)  # type: ignore[arg-type]
    out = Path(out_path).expanduser()
    try:
        with atomic_path(out) as tmp:
            tmp.write_text(xml, encoding="utf-8")
    except OSError as exc:
        raise ExportError(
            f"Cannot write the feed to {out} ({exc.strerror}); check the folder is writable."
        ) from exc
    return out
