"""feed: a folder of exported episodes -> an RSS 2.0 podcast feed the directories accept.

Built with feedgen and its podcast (iTunes) extension, plus `podcast20.py` for the
Podcasting 2.0 tags feedgen lacks. Every tag Apple Podcasts requires (title,
description, language, itunes:image, itunes:category, itunes:explicit; per item
title, enclosure, guid) and PSP-1 adds (atom:link rel="self", link, podcast:guid,
podcast:locked) is always written, with itunes:author and itunes:owner. Show notes
go in as HTML (content:encoded) and plain text (description). Text is stripped of
characters XML forbids and the result is parsed back before it is returned.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

from voicer.errors import ExportError
from voicer.fsutil import atomic_path

from .episodes import Episode, scan_episodes
from .ids import PODCAST_NS, podcast_guid
from .xmltext import check_xml, xml_safe

__all__ = [
    "PODCAST_NS",
    "Episode",
    "build_feed",
    "check_feed_options",
    "podcast_guid",
    "scan_episodes",
    "write_feed",
    "xml_safe",
]

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
ATOM = "http://www.w3.org/2005/Atom"
_COVERS = ("cover.jpg", "cover.jpeg", "cover.png")


def _rss_language(iso639_2: str | None) -> str:
    """RSS <language> for an ID3 TLAN code, from the `voicer.language` table."""
    from voicer.language import codes, language

    for code in codes():
        if language(code).iso639_2 == iso639_2:
            return language(code).bcp47
    return "en"


def _url(base_url: str, path: Path) -> str:
    return base_url.rstrip("/") + "/" + quote(path.name)


def _check_url(url: str, what: str) -> str:
    if not url.startswith(("http://", "https://")) or not urlsplit(url).netloc:
        raise ExportError(f"The {what} {url!r} must be a full URL starting with https://.")
    return url


def _cover_url(folder: Path, base_url: str, image: str | None, title: str, *, draw: bool = True) -> str:
    """Channel artwork (Apple rejects a feed without it): the given URL, else a cover.jpg/.png
    published beside the episodes, else a cover.png drawn there (`voicer.artwork.cover`)."""
    if image is not None:
        _check_url(image, "cover image URL")
        if not urlsplit(image).path.lower().endswith((".jpg", ".jpeg", ".png")):
            raise ExportError(f"The cover image URL {image!r} must end in .jpg or .png (Apple's rule).")
        return image
    cover = next((folder / n for n in _COVERS if (folder / n).is_file()), None)
    if cover is None:
        try:
            from voicer.artwork.cover import write_cover
        except ImportError:
            raise ExportError(
                f"Apple Podcasts rejects a feed without artwork: pass --image URL or put a square "
                f"cover.jpg or cover.png (1400-3000 px) in {folder}."
            ) from None
        cover = folder / "cover.png"
        if draw:
            write_cover(cover, title)
    return _url(base_url, cover)


def check_feed_options(
    folder: str | os.PathLike[str],
    *,
    title: str,
    base_url: str,
    owner_email: str | None = None,
    image: str | None = None,
    image_url: str | None = None,
    link: str | None = None,
    feed_url: str | None = None,
    **_: object,
) -> None:
    """The checks `build_feed` makes before reading any episode, so a batch can make them
    before its long work (ExportError with one sentence)."""
    _check_url(base_url, "base URL (where the episode files are served)")
    if not xml_safe(title or "").strip():
        raise ExportError("The podcast title is empty; pass --title with the show's name.")
    if not owner_email or "@" not in owner_email:
        raise ExportError(
            "Apple Podcasts needs an owner email for itunes:owner: pass --email you@example.com."
        )
    for url, what in ((link, "link"), (feed_url, "feed URL")):
        if url:
            _check_url(url, what)
    _cover_url(Path(folder).expanduser(), base_url, image_url or image, title, draw=False)


def _author(author: str | None, episodes: list[Episode], title: str) -> str:
    """itunes:author: as given, else the artist every episode names (a show name), else the title
    (a per-episode host list is no show's author)."""
    if author:
        return author
    artists = {e.artist for e in episodes}
    if len(artists) == 1 and (artist := artists.pop()):
        return artist
    return title


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
    locked: bool = False,
    feed_name: str = "feed.xml",
) -> str:
    """RSS 2.0 XML for the episodes in `folder`, enclosures under `base_url`.

    `feed_url` (atom:link rel="self", and the seed of podcast:guid) defaults to
    `base_url` + `feed_name`. `owner_email` is required (itunes:owner: Apple's
    contact for the show); `author` defaults to the artist tag all episodes share, else the title.
    """
    from feedgen.feed import FeedGenerator  # imports lxml.etree before feedgen.ext needs it

    from .notes import to_html, to_text
    from .podcast20 import Podcast20EntryExtension, Podcast20Extension

    check_feed_options(
        folder,
        title=title,
        base_url=base_url,
        owner_email=owner_email,
        image=image_url or image,
        link=link,
        feed_url=feed_url,
    )
    root = Path(folder).expanduser()
    episodes = scan_episodes(root)
    title = xml_safe(title).strip()
    cover = _cover_url(root, base_url, image_url or image, title)  # `image` is the CLI's name for it
    who = xml_safe(_author(author, episodes, title))
    feed_url = feed_url or base_url.rstrip("/") + "/" + quote(feed_name)
    lang = language or _rss_language(episodes[0].language)

    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("podcast20", Podcast20Extension, Podcast20EntryExtension)
    fg.title(title)
    fg.link(href=feed_url, rel="self", type="application/rss+xml")
    # feedgen's RSS <link> is the last link given: the show's page.
    fg.link(href=link or base_url, rel="alternate")
    fg.description(xml_safe(description or title))
    fg.language(lang)
    fg.generator("voicer")
    fg.lastBuildDate(max(e.published for e in episodes))
    fg.podcast.itunes_author(who)
    fg.podcast.itunes_owner(name=who, email=xml_safe(owner_email))
    fg.podcast.itunes_category(category, subcategory)
    fg.podcast.itunes_type("episodic")
    ext = fg.podcast20
    ext.guid, ext.locked, ext.owner_email, ext.explicit, ext.image = (
        podcast_guid(feed_url),
        locked,
        owner_email,
        explicit,
        cover,
    )

    for ep in episodes:
        ep_title = xml_safe(ep.title).strip() or ep.path.stem
        fe = fg.add_entry(order="append")
        fe.title(ep_title)
        fe.podcast.itunes_title(ep_title)
        fe.enclosure(_url(base_url, ep.path), str(ep.size), "audio/mpeg")
        fe.guid(ep.guid, permalink=False)
        fe.pubDate(ep.published)
        fe.podcast.itunes_duration(int(round(ep.duration)))
        fe.podcast.itunes_episode_type("full")
        if ep.episode is not None:
            fe.podcast.itunes_episode(ep.episode)
        notes = xml_safe(ep.notes) if ep.notes else None
        fe.description(to_text(notes) if notes else ep_title)
        if notes:
            fe.content(to_html(notes), type="CDATA")
        entry = fe.podcast20
        entry.explicit = explicit
        entry.chapters = _url(base_url, ep.chapters) if ep.chapters is not None else None
        entry.image = _url(base_url, ep.cover) if ep.cover is not None else None
        entry.transcripts = [
            {"url": _url(base_url, path), "type": mime, "language": lang, "rel": "captions"}
            for path, mime in ep.transcripts
        ]
    xml = fg.rss_str(pretty=True, encoding="UTF-8", xml_declaration=True)
    check_xml(xml, "feed")
    return xml.decode("utf-8")


def write_feed(folder: str | os.PathLike[str], out_path: str | os.PathLike[str], **kw: object) -> Path:
    """Write `build_feed(folder, **kw)` atomically to `out_path` (UTF-8); returns the path.

    The self link (atom:link, podcast:guid) names the written file under `base_url`
    unless `feed_url` is given."""
    out = Path(out_path).expanduser()
    kw.setdefault("feed_name", out.name)
    xml = build_feed(folder, **kw)  # type: ignore[arg-type]
    data = xml.encode("utf-8")
    check_xml(data, "feed")
    try:
        with atomic_path(out) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise ExportError(
            f"Cannot write the feed to {out} ({exc.strerror}); check the folder is writable."
        ) from exc
    return out
