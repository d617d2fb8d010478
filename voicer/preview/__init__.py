"""preview: look before you publish. A static page per episode, an episode picture, cover art.

- `write_picture(audio)` -> ``EPISODE.timeline.png``: speaker lanes, chapters, loudness curve.
- `write_page(audio)` -> ``EPISODE.html`` beside the audio (draws the picture too).
- `write_index(folder, feed_url)` -> ``index.html`` listing a feed folder's episodes.
- cover art when the user has none is drawn by `voicer.artwork.cover` (export embeds it).

Everything is read from the audio file and its sidecars (`episode.load_episode`), so a
page can be made for any episode, rendered now or long ago; what is missing is said on
the page. matplotlib, Pillow and mutagen are imported inside the functions.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from voicer.errors import PreviewError
from voicer.fsutil import atomic_write_text
from voicer.preview.episode import AUDIO_SUFFIXES, Episode, load_episode

if TYPE_CHECKING:
    from voicer.preview.picture import Geometry

__all__ = [
    "write_picture",
    "write_page",
    "write_index",
    "episode_files",
    "page_path",
    "picture_path",
    "preview_lines",
    "picture_lines",
]

PathLike = str | os.PathLike[str]


def picture_path(audio: PathLike) -> Path:
    stem = Path(audio).with_suffix("")
    return stem.with_name(stem.name + ".timeline.png")


def page_path(audio: PathLike) -> Path:
    return Path(audio).with_suffix(".html")


def _with_loudness(ep: Episode, curve: bool = True) -> tuple[list[float], list[float]] | None:
    """Decode the audio once: the loudness curve, and the figures when no report recorded them."""
    from voicer.preview.picture import decode, loudness_curve

    try:
        samples, rate = decode(ep.audio)
    except PreviewError as exc:
        ep.missing.append(str(exc))
        return None
    if ep.loudness.get("integrated_lufs") is None:
        from voicer.mix.loudness import measure_file

        ep.loudness.update(measure_file(str(ep.audio)))
        ep.sources["loudness"] = "measured now from the audio file (no target recorded)"
    else:
        ep.sources["loudness"] = "measured by voicer after encoding"
    return loudness_curve(samples, rate) if curve else None


def write_picture(
    audio: PathLike, out: PathLike | None = None, *, episode: Episode | None = None
) -> tuple[Path, Geometry]:
    """Draw the timeline PNG (default ``EPISODE.timeline.png``); returns (path, `picture.Geometry`)."""
    from voicer.preview.picture import draw_picture

    ep = episode or load_episode(audio)
    dest = Path(out) if out else picture_path(ep.audio)
    if dest.resolve() == ep.audio.resolve():
        raise PreviewError(f"{dest} is the episode itself; choose another name for the picture.")
    curve = _with_loudness(ep)
    return dest, draw_picture(ep, dest, curve)


def write_page(audio: PathLike, out: PathLike | None = None, *, picture: bool = True) -> Path:
    """Write the preview page (default ``EPISODE.html`` beside the audio); returns its path.

    With `picture` the timeline PNG is drawn (again) and embedded; without it an existing one is
    shown as it is. An episode without sidecars still gets a page that lists what is missing.
    """
    from voicer.preview.page import render_page

    ep = load_episode(audio)
    dest = Path(out) if out else page_path(ep.audio)
    if dest.suffix.lower() not in (".html", ".htm"):
        raise PreviewError(f"{dest} is not an .html file name; give the page a name ending in .html.")
    if dest.resolve().parent != ep.audio.resolve().parent:
        # The page links the audio, picture and cover by relative name: they must sit together.
        raise PreviewError(f"Write the page beside the audio (in {ep.audio.parent}), not in {dest.parent}.")
    geometry, name = None, None
    if picture:
        path, geometry = write_picture(ep.audio, episode=ep)
        name = path.name
    else:
        _with_loudness(ep, curve=False)
        if picture_path(ep.audio).is_file():
            name = picture_path(ep.audio).name
    atomic_write_text(dest, render_page(ep, name, geometry))
    return dest


def episode_files(folder: PathLike) -> list[Path]:
    """The episode audio files in a folder (temp files of atomic writes excluded), by name."""
    root = Path(folder)
    if not root.is_dir():
        raise PreviewError(f"{root} is not a folder; give the folder that holds the episodes.")
    return sorted(
        p
        for p in root.iterdir()
        if p.suffix.lower() in AUDIO_SUFFIXES and p.is_file() and not p.name.startswith(".")
    )


def _stale(page: Path, audio: Path) -> bool:
    if not page.is_file():
        return True
    import glob

    newest = max(p.stat().st_mtime for p in audio.parent.glob(f"{glob.escape(audio.stem)}.*") if p != page)
    return page.stat().st_mtime < newest


def _safe_url(url: str | None) -> str | None:
    if not url:
        return None
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("", "http", "https"):
        raise PreviewError(f"Feed URL {url!r} must start with http:// or https:// (or be a relative path).")
    return url


def write_index(
    folder: PathLike, feed_url: str | None = None, *, title: str | None = None, pages: bool = True
) -> Path:
    """Write ``index.html`` in a feed folder: every episode with its cover, length and page link.

    With `pages`, episode pages that are missing or older than their files are (re)written first.
    `feed_url`: the feed's address (http(s) or a path relative to the folder), linked at the top.
    `title`: default the show most episodes name, else the folder's name.
    """
    from voicer.preview.page import clock, index_html

    feed_url = _safe_url(feed_url)
    rows = []
    for audio in episode_files(folder):
        page = page_path(audio)
        if pages and _stale(page, audio):
            write_page(audio)
        ep = load_episode(audio)
        rows.append((ep, page.name if page.is_file() else None, clock(ep.duration)))
    rows.sort(key=lambda r: (r[0].date or "", r[0].number or "", r[0].audio.name), reverse=True)
    shows = Counter(ep.show for ep, _, _ in rows if ep.show)
    title = title or (shows.most_common(1)[0][0] if shows else Path(folder).resolve().name)
    dest = Path(folder) / "index.html"
    atomic_write_text(dest, index_html(title, rows, feed_url))
    return dest


def _font_lines(episodes: list[Episode]) -> list[str]:
    """The missing-font note, when some title or name would be drawn in CJK without a CJK font."""
    from voicer.artwork.fonts import find_cjk_font, has_cjk, missing_font_note

    texts = [t for ep in episodes for t in [ep.title, *ep.speakers, *(c.title for c in ep.chapters)]]
    return [missing_font_note()] if any(has_cjk(t) for t in texts) and find_cjk_font() is None else []


def picture_lines(audio: PathLike) -> list[str]:
    """What `voicer render --picture` does and prints: draw the picture, say where (and any font note)."""
    ep = load_episode(audio)
    path, _ = write_picture(ep.audio, episode=ep)
    return [f"  + {path}", *_font_lines([ep])]


def preview_lines(
    target: PathLike, out: PathLike | None = None, *, picture: bool = True, feed_url: str | None = None
) -> list[str]:
    """What `voicer preview` does and prints: a page for one episode, or pages and index.html for a folder."""
    path = Path(target)
    if path.is_dir():
        if out is not None:
            raise PreviewError("--out names one page; for a folder the pages go beside each episode.")
        files = episode_files(path)
        if not files:
            raise PreviewError(
                f"{path} holds no episode audio (.mp3, .m4a, .wav, .flac, .ogg); render one first."
            )
        index = write_index(path, feed_url)
        pages = [page_path(f) for f in files if page_path(f).is_file()]
        return [
            f"Wrote {index} and {len(pages)} episode pages",
            *_font_lines([load_episode(f) for f in files]),
        ]
    page = write_page(path, out, picture=picture)
    ep = load_episode(path)
    lines = [f"Wrote {page}", *(f"  missing: {m}" for m in ep.missing)]
    return [*lines, f"  open file://{page.resolve()} in a browser", *_font_lines([ep])]
