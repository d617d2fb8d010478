"""The tags feedgen's podcast extension lacks, as a feedgen extension.

- Podcasting 2.0 (https://podcastindex.org/namespace/1.0): channel `podcast:guid`
  and `podcast:locked` (both required by the Podcast Standards Project's PSP-1),
  item `podcast:chapters` and `podcast:transcript`.
- `itunes:explicit` as "true"/"false" (feedgen 1.0 writes the deprecated yes/no) and
  `itunes:image` (feedgen drops a ".jpeg" URL without a word).
"""

from __future__ import annotations

from typing import Any

from feedgen.ext.base import BaseEntryExtension, BaseExtension

from .ids import PODCAST_NS

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"


def _sub(parent: Any, tag: str, text: str | None = None, **attrib: str) -> Any:
    from lxml import etree

    el = etree.SubElement(parent, tag, attrib)
    if text is not None:
        el.text = text
    return el


class Podcast20Extension(BaseExtension):
    """Channel-level tags (set the attributes, feedgen calls `extend_rss`)."""

    def __init__(self) -> None:
        self.guid: str | None = None
        self.locked: bool = False
        self.owner_email: str | None = None
        self.explicit: bool = False
        self.image: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, rss_feed: Any) -> Any:
        channel = rss_feed[0]
        if self.image:
            _sub(channel, f"{{{ITUNES_NS}}}image", href=self.image)
        _sub(channel, f"{{{ITUNES_NS}}}explicit", "true" if self.explicit else "false")
        if self.guid:
            _sub(channel, f"{{{PODCAST_NS}}}guid", self.guid)
        attrib = {"owner": self.owner_email} if self.owner_email else {}
        _sub(channel, f"{{{PODCAST_NS}}}locked", "yes" if self.locked else "no", **attrib)
        return rss_feed

    def extend_atom(self, atom_feed: Any) -> Any:
        return atom_feed


class Podcast20EntryExtension(BaseEntryExtension):
    """Item-level tags: artwork, explicit, chapters JSON and transcripts."""

    def __init__(self) -> None:
        self.chapters: str | None = None
        self.transcripts: list[dict[str, str]] = []
        self.explicit: bool = False
        self.image: str | None = None

    def extend_rss(self, entry: Any) -> Any:
        if self.image:
            _sub(entry, f"{{{ITUNES_NS}}}image", href=self.image)
        _sub(entry, f"{{{ITUNES_NS}}}explicit", "true" if self.explicit else "false")
        if self.chapters:
            _sub(entry, f"{{{PODCAST_NS}}}chapters", url=self.chapters, type="application/json+chapters")
        for attrib in self.transcripts:
            _sub(entry, f"{{{PODCAST_NS}}}transcript", **attrib)
        return entry

    def extend_atom(self, entry: Any) -> Any:
        return entry
