"""Identifiers the Podcasting 2.0 namespace defines (no feedgen import: stays light)."""

from __future__ import annotations

import uuid

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The namespace UUID the Podcasting 2.0 spec fixes for podcast:guid (uuidv5 of the feed URL).
_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")


def podcast_guid(feed_url: str) -> str:
    """podcast:guid as the spec derives it: UUIDv5 of the feed URL without scheme and trailing slashes."""
    bare = feed_url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(_GUID_NAMESPACE, bare))
