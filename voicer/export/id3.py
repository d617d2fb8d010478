"""Tags and chapters: ID3v2.3 (MP3, WAV) with CHAP + ordered top-level CTOC; Vorbis comments for FLAC/OGG;
iTunes atoms for M4A (its chapters are muxed by the encoder, see `encode._write_m4a`)."""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicer.errors import ExportError
from voicer.model import TimedChapter

_DATA = Path(__file__).resolve().parent / "data"


@functools.lru_cache(maxsize=1)
def languages() -> dict[str, dict[str, str]]:
    with open(_DATA / "languages.toml", "rb") as f:
        return tomllib.load(f)


def language_facts(language: str) -> dict[str, str]:
    """Show-notes labels of `language` plus its codes from the `voicer.language` table."""
    from voicer.language import language as _language

    table = languages()
    facts = dict(table.get(language, table["en"]))
    try:
        lang = _language(language)
    except Exception:
        lang = _language("en")
    return {**facts, "iso639_2": lang.iso639_2, "rss": lang.bcp47}


@dataclass
class Tags:
    """Resolved tag values (everything already a string or None)."""

    title: str
    artist: str | None = None
    album: str | None = None
    episode: str | None = None
    date: str | None = None
    language: str | None = None
    """ISO 639-2 code, e.g. "chi", "eng"."""
    comment: str | None = None
    cover: bytes | None = None
    cover_mime: str | None = None


def read_cover(path: str | Path) -> tuple[bytes, str]:
    """Cover image bytes and MIME type (JPEG or PNG, told by its magic bytes)."""
    p = Path(path).expanduser()
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ExportError(
            f"Cannot read cover image {p} ({exc.strerror}); give an existing JPEG or PNG file."
        ) from exc
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return data, "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return data, "image/jpeg"
    raise ExportError(f"Cover image {p} is not a JPEG or PNG; convert it to one of those.")


def playable_chapters(chapters: list[TimedChapter]) -> list[TimedChapter]:
    """Chapters that last at least a millisecond (empty chapters get no marker)."""
    return [c for c in chapters if round(c.end * 1000) > round(c.start * 1000)]


def _id3_frames(tags: Tags, chapters: list[TimedChapter]) -> list[Any]:
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, TALB, TDRC, TIT2, TLAN, TPE1, TRCK, CTOCFlags

    enc = 3  # UTF-8; mutagen downgrades to UTF-16 when saving v2.3
    frames: list[Any] = [TIT2(encoding=enc, text=tags.title)]
    if tags.artist:
        frames.append(TPE1(encoding=enc, text=tags.artist))
    if tags.album:
        frames.append(TALB(encoding=enc, text=tags.album))
    if tags.episode:
        frames.append(TRCK(encoding=enc, text=tags.episode))
    if tags.date:
        frames.append(TDRC(encoding=enc, text=tags.date))
    if tags.language:
        frames.append(TLAN(encoding=enc, text=tags.language))
    if tags.comment:
        frames.append(COMM(encoding=enc, lang=tags.language or "eng", desc="", text=tags.comment))
    if tags.cover:
        frames.append(APIC(encoding=enc, mime=tags.cover_mime, type=3, desc="Cover", data=tags.cover))
    ids = [f"chp{i}" for i in range(len(chapters))]
    for cid, ch in zip(ids, chapters, strict=True):
        frames.append(
            CHAP(
                element_id=cid,
                start_time=int(round(ch.start * 1000)),
                end_time=int(round(ch.end * 1000)),
                # 0xFFFFFFFF: byte offsets unused, players seek by time.
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=enc, text=ch.title)],
            )
        )
    if ids:
        frames.append(
            CTOC(
                element_id="toc",
                flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
                child_element_ids=ids,
                sub_frames=[TIT2(encoding=enc, text=tags.title)],
            )
        )
    return frames


def write_tags(path: Path, fmt: str, tags: Tags, chapters: list[TimedChapter]) -> None:
    """Tag an encoded file in place."""
    chapters = playable_chapters(chapters)
    try:
        if fmt in ("mp3", "wav"):
            _write_id3(path, fmt, tags, chapters)
        elif fmt == "m4a":
            _write_mp4(path, tags)
        else:
            _write_vorbis(path, fmt, tags, chapters)
    except ExportError:
        raise
    except Exception as exc:  # mutagen raises its own MutagenError/OSError
        raise ExportError(f"Writing tags to {path.name} failed ({exc}); check the output folder.") from exc


def _write_id3(path: Path, fmt: str, tags: Tags, chapters: list[TimedChapter]) -> None:
    if fmt == "wav":
        from mutagen.wave import WAVE

        audio = WAVE(str(path))
        if audio.tags is None:
            audio.add_tags()
        id3 = audio.tags
    else:
        from mutagen.id3 import ID3

        id3 = ID3()
    for frame in _id3_frames(tags, chapters):
        id3.add(frame)
    if fmt == "wav":
        audio.save(v2_version=3)
    else:
        id3.save(str(path), v2_version=3)


def _write_vorbis(path: Path, fmt: str, tags: Tags, chapters: list[TimedChapter]) -> None:
    import base64

    from mutagen.flac import FLAC, Picture
    from mutagen.oggvorbis import OggVorbis

    audio = FLAC(str(path)) if fmt == "flac" else OggVorbis(str(path))
    if audio.tags is None:
        audio.add_tags()
    values = {
        "TITLE": tags.title,
        "ARTIST": tags.artist,
        "ALBUM": tags.album,
        "TRACKNUMBER": tags.episode,
        "DATE": tags.date,
        "LANGUAGE": tags.language,
        "COMMENT": tags.comment,
    }
    for key, value in values.items():
        if value:
            audio[key] = value
    # Vorbis-comment chapter convention (CHAPTERxxx / CHAPTERxxxNAME), read by most players.
    for i, ch in enumerate(chapters, start=1):
        audio[f"CHAPTER{i:03d}"] = _hms_ms(ch.start)
        audio[f"CHAPTER{i:03d}NAME"] = ch.title
    if tags.cover:
        pic = Picture()
        pic.type = 3
        pic.mime = tags.cover_mime or "image/jpeg"
        pic.data = tags.cover
        if fmt == "flac":
            audio.add_picture(pic)
        else:
            audio["METADATA_BLOCK_PICTURE"] = base64.b64encode(pic.write()).decode("ascii")
    audio.save()


def _write_mp4(path: Path, tags: Tags) -> None:
    """iTunes-style atoms, the same fields as the ID3 frames.

    No chapters here: mutagen cannot write MP4 chapters, so `encode._write_m4a` has
    FFmpeg mux them (Nero `chpl` + QuickTime chapter track); mutagen keeps them
    (and moves their sample offsets) when it saves the tags.
    """
    from mutagen.mp4 import MP4, MP4Cover, MP4FreeForm

    audio = MP4(str(path))
    if audio.tags is None:
        audio.add_tags()
    values = {
        "\xa9nam": tags.title,
        "\xa9ART": tags.artist,
        "\xa9alb": tags.album,
        "\xa9day": tags.date,
        "\xa9cmt": tags.comment,
    }
    for key, value in values.items():
        if value:
            audio[key] = [value]
    track = _track_number(tags.episode)
    if track:
        audio["trkn"] = [track]
    if tags.language:
        # No standard iTunes atom for it: the freeform one Picard and foobar2000 use.
        audio["----:com.apple.iTunes:LANGUAGE"] = [MP4FreeForm(tags.language.encode("utf-8"))]
    if tags.cover:
        kind = MP4Cover.FORMAT_PNG if tags.cover_mime == "image/png" else MP4Cover.FORMAT_JPEG
        audio["covr"] = [MP4Cover(tags.cover, imageformat=kind)]
    audio.save()


def _track_number(episode: str | None) -> tuple[int, int] | None:
    """trkn needs numbers: "7" -> (7, 0), "7/12" -> (7, 12); anything else is left out."""
    if not episode:
        return None
    number, _, total = episode.strip().partition("/")
    if not number.isdigit() or (total and not total.isdigit()):
        return None
    values = int(number), int(total or 0)
    return values if max(values) < 2**16 else None


def _hms_ms(seconds: float) -> str:
    ms = int(round(seconds * 1000))
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"
