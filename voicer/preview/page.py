"""The preview page: one static HTML file beside the episode, no server, no network.

The page holds a player for the audio beside it, the chapter list (click to seek), the
episode picture (click to seek), speakers with their colours and voices, the loudness
figures, the transcript (highlighted as it plays, click to seek) and the show notes.
CSS and JavaScript are inline; the audio, picture and cover are relative files (or an
inline data: URI for a cover that only exists inside the audio file's tags).

Every text from the episode is HTML-escaped; the one script is allowed by its hash in
a Content-Security-Policy, so even markup that slipped through could not run, and the
policy's default-src 'none' keeps the page from reaching the network.
"""

from __future__ import annotations

import base64
import hashlib
import math
import os
from html import escape
from pathlib import Path
from urllib.parse import quote

from voicer.fsutil import atomic_write_text
from voicer.preview.episode import Episode
from voicer.preview.picture import Geometry, speaker_colors

_DATA = Path(__file__).resolve().parent / "data"
_INDEX_CSP = "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'"


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _href(name: str) -> str:
    """A relative URL for a file beside the page (spaces, #, ? and non-ASCII names quoted)."""
    return quote(name)


def clock(seconds: float | None) -> str:
    if seconds is None or not math.isfinite(seconds):
        return "?"
    s = int(seconds + 1e-6)
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _csp(script: str) -> str:
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    return (
        "default-src 'none'; img-src 'self' file: data:; media-src 'self' file:; "
        f"style-src 'unsafe-inline'; script-src 'sha256-{digest}'"
    )


def _cover_src(ep: Episode) -> str | None:
    if ep.cover_file:
        return _href(ep.cover_file)
    if ep.cover:
        data, mime = ep.cover
        return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    return None


def _header(ep: Episode) -> str:
    facts = [ep.show, f"#{ep.number}" if ep.number else None, ep.date, clock(ep.duration)]
    cover = _cover_src(ep)
    img = f'<img src="{_e(cover)}" alt="cover art">' if cover else ""
    return (
        f"<header>{img}<div><h1>{_e(ep.title)}</h1>"
        f'<div class="meta">{" · ".join(_e(f) for f in facts if f)}</div></div></header>\n'
        f'<audio id="player" controls preload="metadata" src="{_href(ep.audio.name)}"></audio>\n'
    )


def _missing(ep: Episode) -> str:
    if not ep.missing:
        return ""
    items = "".join(f"<li>{_e(m)}</li>" for m in ep.missing)
    return f'<section class="missing" id="missing"><strong>Missing</strong><ul>{items}</ul></section>\n'


def _chapters(ep: Episode) -> str:
    if not ep.chapters:
        return '<h2>Chapters</h2><p class="note">No chapters.</p>\n'
    rows = "".join(
        f'<li data-start="{c.start:.3f}"><button type="button" data-seek="{c.start:.3f}">'
        f'<span class="time">{clock(c.start)}</span>{_e(c.title)}</button></li>'
        for c in ep.chapters
    )
    source = ep.sources.get("chapters", "")
    return f'<h2>Chapters</h2><ol id="chapters">{rows}</ol><p class="note">from {_e(source)}</p>\n'


def _picture(name: str | None, geometry: Geometry | None) -> str:
    if not name:
        return ""
    attrs = ""
    if geometry:
        attrs = (
            f' data-x0="{geometry.x0 / geometry.width:.5f}" data-x1="{geometry.x1 / geometry.width:.5f}"'
            f' data-duration="{geometry.duration:.3f}"'
        )
    return (
        f'<h2>Timeline</h2><img id="picture" src="{_href(name)}"{attrs} '
        'alt="timeline: speaker turns, chapter boundaries and loudness">\n'
    )


def _speakers(ep: Episode) -> str:
    colors = speaker_colors(ep.speakers)
    rows = "".join(
        f'<tr><td><span class="swatch" style="background:{colors[n]}"></span>{_e(n)}</td>'
        f"<td>{_e(ep.voices.get(n, ''))}</td></tr>"
        for n in ep.speakers
    )
    engine = f"Engine: {_e(ep.engine)}" if ep.engine else "Engine: not recorded"
    head = "<tr><th>speaker</th><th>voice</th></tr>"
    table = f"<table>{head}{rows}</table>" if rows else '<p class="note">No speakers known.</p>'
    return f'<h2>Speakers</h2>{table}<p class="note">{engine}</p>\n'


def _loudness(ep: Episode) -> str:
    labels = (
        ("integrated_lufs", "integrated loudness", "LUFS"),
        ("target_lufs", "target", "LUFS"),
        ("true_peak_dbtp", "true peak", "dBTP"),
        ("ceiling_dbtp", "true-peak ceiling", "dBTP"),
    )
    rows = "".join(
        f"<tr><th>{label}</th><td>{ep.loudness[key]:.1f} {unit}</td></tr>"
        for key, label, unit in labels
        if isinstance(ep.loudness.get(key), float) and math.isfinite(ep.loudness[key] or 0.0)
    )
    if not rows:
        return '<h2>Loudness</h2><p class="note">Not measured.</p>\n'
    source = ep.sources.get("loudness", "")
    return f'<h2>Loudness</h2><table id="loudness">{rows}</table><p class="note">{_e(source)}</p>\n'


def _transcript(ep: Episode) -> str:
    if not ep.cues:
        return '<h2>Transcript</h2><p class="note">No transcript.</p>\n'
    colors = speaker_colors(ep.speakers)
    rows = []
    for c in ep.cues:
        who = (
            f'<span class="who" style="color:{colors.get(c.speaker, "#333")}">{_e(c.speaker)}</span>'
            if c.speaker
            else ""
        )
        rows.append(
            f'<p class="cue" data-start="{c.start:.3f}" data-end="{c.end:.3f}" data-seek="{c.start:.3f}">'
            f'<span class="time">{clock(c.start)}</span>{who}{_e(c.text)}</p>'
        )
    return f'<h2>Transcript</h2><div id="transcript">{"".join(rows)}</div>\n'


def _notes(ep: Episode) -> str:
    if not ep.notes:
        return ""
    from markdown_it import MarkdownIt

    # html=False: raw HTML in the notes is shown as text; markdown-it also drops javascript: links.
    md = MarkdownIt("commonmark", {"html": False})
    tokens = md.parse(ep.notes)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            # The page has its own h1 and h2: the notes' headings sit below them.
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    body = md.renderer.render(tokens, md.options, {})
    return f'<h2>Show notes</h2><div class="notes">{body}</div>\n'


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("voicer")
    except PackageNotFoundError:
        return "(source checkout)"


def render_page(ep: Episode, picture: str | None = None, geometry: Geometry | None = None) -> str:
    """The page's HTML. `picture`: the timeline PNG's file name beside the page, if any."""
    css = (_DATA / "page.css").read_text(encoding="utf-8")
    js = (_DATA / "page.js").read_text(encoding="utf-8")
    lang = {"zh": "zh-Hans", "en": "en"}.get(ep.language or "", "")
    return (
        f'<!doctype html>\n<html lang="{_e(lang)}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_csp(js))}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_e(ep.title)}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        + _header(ep)
        + _missing(ep)
        + _chapters(ep)
        + _picture(picture, geometry)
        + _speakers(ep)
        + _loudness(ep)
        + _transcript(ep)
        + _notes(ep)
        + f'<p class="note">Preview written by voicer {_e(_version())}.</p>\n'
        + f"<script>{js}</script>\n</body>\n</html>\n"
    )


def write_html(path: str | os.PathLike[str], text: str) -> Path:
    atomic_write_text(path, text)
    return Path(path)


def index_html(name: str, rows: list[tuple[Episode, str | None, str]], feed_url: str | None) -> str:
    """The feed folder's index page: (episode, its page's file name or None, length) per row."""
    css = (_DATA / "page.css").read_text(encoding="utf-8")
    items = []
    for ep, page, length in rows:
        cover = _cover_src(ep)
        img = f'<img src="{_e(cover)}" alt="" width="72" height="72">' if cover else ""
        title = f'<a href="{_e(_href(page))}">{_e(ep.title)}</a>' if page else _e(ep.title)
        facts = " · ".join(_e(f) for f in (f"#{ep.number}" if ep.number else None, ep.date, length) if f)
        audio = f'<a href="{_e(_href(ep.audio.name))}">{_e(ep.audio.name)}</a>'
        items.append(
            f'<li class="episode">{img}<div>{title}<div class="meta">{facts} · {audio}</div></div></li>'
        )
    feed = (
        f'<p>Feed: <a id="feed" href="{_e(feed_url)}">{_e(feed_url)}</a></p>'
        if feed_url
        else '<p class="note">No feed address given.</p>'
    )
    alternate = (
        f'<link rel="alternate" type="application/rss+xml" href="{_e(feed_url)}">\n' if feed_url else ""
    )
    body = "".join(items) or '<li class="note">No episodes in this folder.</li>'
    return (
        '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_INDEX_CSP}">\n'
        f"{alternate}<title>{_e(name)}</title>\n<style>\n{css}"
        ".episodes { list-style: none; padding: 0; } .episode { display: flex; gap: 14px; margin: 12px 0; "
        "align-items: center; } .episode img { border-radius: 6px; }\n</style>\n</head>\n<body>\n"
        f'<h1>{_e(name)}</h1>\n{feed}\n<ul class="episodes">{body}</ul>\n</body>\n</html>\n'
    )
