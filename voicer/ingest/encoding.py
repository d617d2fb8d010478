"""Reading a transcript: path or text, encodings (UTF-8/16/32 with or without BOM,
GB18030/GBK, Big5, Windows-1252), and refusing what is not text."""

from __future__ import annotations

import codecs
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

from voicer.errors import InputError

# Anything larger is not a transcript (and would take minutes to parse).
MAX_BYTES = 64 * 1024 * 1024

# File signatures of formats people mistake for transcripts, with what to do instead.
_MAGIC: list[tuple[bytes, str]] = [
    (b"%PDF", "a PDF; copy its text into a .txt or .md file"),
    (b"PK\x03\x04", "a Word/zip document; save it as plain text (.txt) or Markdown (.md)"),
    (b"{\\rtf", "an RTF document; save it as plain text (.txt)"),
    (b"\xd0\xcf\x11\xe0", "an old Word/Office document; save it as plain text (.txt)"),
    (b"ID3", "an MP3 file; give a transcript, not audio"),
    (b"RIFF", "a WAV/RIFF file; give a transcript, not audio"),
    (b"fLaC", "a FLAC file; give a transcript, not audio"),
    (b"OggS", "an Ogg file; give a transcript, not audio"),
    (b"\x89PNG", "a PNG image; give a text transcript"),
    (b"\xff\xd8\xff", "a JPEG image; give a text transcript"),
    (b"GIF8", "a GIF image; give a text transcript"),
    (b"\x1f\x8b", "a gzip archive; unpack it first"),
    (b"\x7fELF", "a program, not a transcript"),
]

_BOMS: list[tuple[bytes, str]] = [
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
]

_GB2312_HANZI_RE = re.compile(r"[\u4e00-\u9fa5\u3000-\u303f\uff01-\uff5e\u2018-\u201d\u2026\u2014]")


@dataclass
class SourceText:
    text: str
    name: str
    """How messages name the input: the path, or "<text>"."""
    path: Path | None
    encoding: str


def read_source(source: str | os.PathLike[str] | bytes) -> SourceText:
    """The text of a transcript given as a path, as the text itself, or as raw bytes."""
    if isinstance(source, bytes):
        return SourceText(decode_bytes(source, "<bytes>"), "<bytes>", None, "")
    if isinstance(source, str) and not source.strip():
        raise InputError("The transcript text is empty; give a file or text with something to speak.")
    if isinstance(source, str) and ("\n" in source or "\r" in source) and not _is_file(source):
        return SourceText(_check_text(source.lstrip("\ufeff"), "<text>"), "<text>", None, "str")
    path = Path(source)
    name = str(path)
    try:
        if path.is_dir():
            raise InputError(f"{name} is a folder; give the path of a transcript file.")
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            # A FIFO with no writer would block forever, a device never ends: refuse them.
            raise InputError(
                f"{name} is not a regular file; save the transcript to a file and give its path."
            )
        size = info.st_size
        if size > MAX_BYTES:
            raise InputError(
                f"{name} is {size // 2**20} MB, too large for a transcript; split it into parts."
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name} does not exist; check the path of the transcript.") from None
    except PermissionError:
        raise InputError(
            f"{name} cannot be read (permission denied); check the file's permissions."
        ) from None
    except OSError as e:
        raise InputError(f"{name} cannot be read ({e.strerror or e}); check the file.") from None
    text, enc = _decode(data, name)
    return SourceText(text, name, path, enc)


def _is_file(s: str) -> bool:
    try:
        return len(s) < 4096 and Path(s).is_file()
    except (OSError, ValueError):
        return False


def decode_bytes(data: bytes, name: str) -> str:
    return _decode(data, name)[0]


def _decode(data: bytes, name: str) -> tuple[str, str]:
    if not data.strip():
        raise InputError(f"{name} is empty; give a transcript with text in it.")
    for bom, enc in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(enc)
            except UnicodeDecodeError:
                raise InputError(
                    f"{name} is damaged ({enc} with invalid bytes); save it again as UTF-8."
                ) from None
            return _check_text(text, name), enc + " (BOM)"
    for magic, what in _MAGIC:
        if data.startswith(magic):
            raise InputError(f"{name} is {what}.")
    enc = _utf16_without_bom(data)
    if enc:
        return _check_text(data.decode(enc), name), enc
    if b"\x00" in data:
        raise InputError(
            f"{name} is a binary file, not a transcript; give a text, Markdown or subtitle file."
        )
    try:
        return _check_text(data.decode("utf-8"), name), "utf-8"
    except UnicodeDecodeError:
        pass
    # Chinese files saved on Windows are usually GBK/GB18030; GB18030 is a superset of GBK.
    for enc in ("gb18030", "big5"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _looks_chinese(text):
            return _check_text(text, name), enc
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise InputError(f"{name} is not in an encoding voicer can read; save it as UTF-8.") from None
    return _check_text(text, name), "cp1252"


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 without a BOM: NULs in one byte of each pair only (newlines, digits, ASCII)
    and a decode that reads as text (CJK, ASCII, punctuation)."""
    if len(data) < 4 or len(data) % 2 or b"\x00" not in data:
        return None
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for enc, zeros, others in (("utf-16-le", odd, even), ("utf-16-be", even, odd)):
        if zeros and others <= 0.01 * len(data):
            try:
                text = data.decode(enc)
            except UnicodeDecodeError:
                continue
            if sum(1 for c in text if _TEXT_CHAR_RE.match(c)) >= 0.95 * len(text):
                return enc
    return None


_TEXT_CHAR_RE = re.compile(
    r"[\t\n\r\x20-\x7e\u00a0-\u024f\u2000-\u206f\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]"
)


def _looks_chinese(text: str) -> bool:
    """A legacy-encoded decode is right when its non-ASCII characters are common Chinese."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide:
        return False
    return sum(1 for c in wide if _GB2312_HANZI_RE.match(c)) >= 0.9 * len(wide)


def _check_text(text: str, name: str) -> str:
    """Refuse decoded text that is mostly control characters (a binary file)."""
    if not text.strip():
        raise InputError(f"{name} is empty; give a transcript with text in it.")
    sample = text[:20000]
    bad = sum(1 for c in sample if (ord(c) < 32 and c not in "\n\r\t\f\v") or c == "\ufffd")
    if bad > 0.01 * len(sample) + 2:
        raise InputError(
            f"{name} is a binary file, not a transcript; give a text, Markdown or subtitle file."
        )
    return text
