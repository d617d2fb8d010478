"""feed: RSS 2.0 + iTunes + Podcasting 2.0, built with feedgen and checked by parsing it back
(feedparser, as podcast apps do, and lxml for the exact tags)."""

from __future__ import annotations

import email.utils
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from voicer.errors import ExportError
from voicer.export import ExportSettings, export_episode
from voicer.feed import build_feed, podcast_guid, write_feed, xml_safe
from voicer.mix import MixSettings, mix
from voicer.mix.testsignal import speech_like, synthetic_episode

feedparser = pytest.importorskip(
    "feedparser", reason="feedparser (dev extra) checks the feed as apps read it"
)

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
TITLES = ['黄仁勋 & 扎克伯格：<开源> "对谈"', "Llama 3.1 & the 'open' <model>", "第三集：AI 眼镜"]
HEADINGS = ["开场", "开源模型", "AI 眼镜", "结尾"]
BASE = "https://example.com/pod/"
REQUIRED = {"owner_email": "owner@example.com", "image": "https://x.org/a.png", "author": "大飞"}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("episodes")
    for n, title in enumerate(TITLES, start=1):
        texts = [[("A", HEADINGS[(n + k) % len(HEADINGS)]), ("B", "好的")] for k in range(2)]
        script, audio = synthetic_episode(texts, max_seconds=1.5, title=title, seed=n)
        script.meta.update({"episode": str(n), "date": f"2026-11-{n:02d}"})
        mixed = mix(script, audio, MixSettings(lead_in=0.1, tail=0.2))
        export_episode(mixed, script, root / f"ep{n}.mp3", ExportSettings(draw_cover=False))
    return root


def _items(xml: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    return channel, channel.findall("item")


def test_every_required_tag_as_apps_parse_it(folder: Path) -> None:
    """Apple Podcasts' required tags and PSP-1's (atom:link self, link, podcast:guid,
    podcast:locked), read back with feedparser."""
    xml = build_feed(folder, title="最佳拍档 & <AI>", base_url=BASE, **REQUIRED)
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.get("bozo_exception")
    feed = parsed.feed
    assert feed.title == "最佳拍档 & <AI>"
    assert feed.subtitle  # <description>
    assert feed.language == "zh-cn"
    assert feed.link == BASE
    assert feed.image.href == "https://x.org/a.png"  # itunes:image
    assert feed.author == "大飞"  # itunes:author
    assert feed.publisher_detail == {"name": "大飞", "email": "owner@example.com"}  # itunes:owner
    assert [t.term for t in feed.tags] == ["Technology"]  # itunes:category
    assert feed.itunes_type == "episodic"
    self_links = [ln for ln in feed.links if ln.rel == "self"]
    assert [ln.href for ln in self_links] == [BASE + "feed.xml"]
    assert feed.podcast_guid == podcast_guid(BASE + "feed.xml")
    assert feed.podcast_locked == {"owner": "owner@example.com"}  # feedparser keeps the attributes
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        assert entry.title and entry.id  # title, guid
        assert [(e.href.startswith(BASE), e.type) for e in entry.enclosures] == [(True, "audio/mpeg")]
        assert int(entry.enclosures[0].length) > 0
        assert entry.published_parsed and entry.itunes_duration and entry.itunes_episodetype == "full"
    # Values feedparser does not keep: itunes:explicit as Apple now spells it.
    channel, items = _items(xml)
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert all(i.findtext("itunes:explicit", namespaces=NS) == "false" for i in items)
    assert channel.findtext("podcast:locked", namespaces=NS) == "no"


def test_podcast_guid_follows_the_spec() -> None:
    # The example of the Podcasting 2.0 namespace's <podcast:guid> documentation.
    assert podcast_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert podcast_guid("http://mp3s.nashownotes.com/pc20rss.xml/") == podcast_guid(
        "mp3s.nashownotes.com/pc20rss.xml"
    )


def test_show_notes_are_html_and_plain_text(folder: Path) -> None:
    xml = build_feed(folder, title="t", base_url=BASE, **REQUIRED)
    _, items = _items(xml)
    for item in items:
        html = item.findtext("content:encoded", namespaces=NS)
        assert "<h2>" in html and "<li>00:00:00 Chapter 1</li>" in html
        text = item.findtext("description")
        assert "00:00:00 Chapter 1" in text
        assert "##" not in text and "\n- " not in text  # no raw Markdown
    entry = feedparser.parse(xml).entries[0]
    assert entry.content[0].type == "text/html" and "<ul>" in entry.content[0].value


def test_feed_has_every_episode_with_enclosures(folder: Path) -> None:
    xml = build_feed(folder, title="Show", base_url=BASE, **REQUIRED)
    _, items = _items(xml)
    # Newest first, titles round-trip through escaping.
    assert [i.findtext("title") for i in items] == TITLES[::-1]
    from mutagen.mp3 import MP3

    for item, n in zip(items, (3, 2, 1), strict=True):
        mp3 = folder / f"ep{n}.mp3"
        enc = item.find("enclosure")
        assert enc.get("url") == f"{BASE}ep{n}.mp3"
        assert int(enc.get("length")) == mp3.stat().st_size
        assert item.findtext("itunes:episode", namespaces=NS) == str(n)
        date = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert (date.year, date.month, date.day) == (2026, 11, n)
        assert int(item.findtext("itunes:duration", namespaces=NS)) == round(MP3(str(mp3)).info.length)
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" and len(guid.text) == 40
        chapters = item.find("podcast:chapters", NS)
        assert chapters.get("url") == f"{BASE}ep{n}.chapters.json"
        assert chapters.get("type") == "application/json+chapters"
        kinds = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
        assert kinds == {"text/vtt": f"{BASE}ep{n}.vtt", "application/x-subrip": f"{BASE}ep{n}.srt"}


def test_guids_are_stable_and_unique(folder: Path) -> None:
    a = _items(build_feed(folder, title="t", base_url="https://example.com", **REQUIRED))[1]
    b = _items(build_feed(folder, title="t", base_url="https://example.com/other", **REQUIRED))[1]
    guids = [i.findtext("guid") for i in a]
    assert guids == [i.findtext("guid") for i in b]
    assert len(set(guids)) == 3


def test_control_characters_never_break_the_feed(tmp_path: Path) -> None:
    """Issue 15 item 10: a title with characters XML forbids gave a feed.xml that did not parse."""
    bad = "Ep\x01 one\x0b\x1f & <two>\ufffe"
    script, audio = synthetic_episode([[("A", "Hello there"), ("B", "Hi")]], language="en", title=bad)
    export_episode(mix(script, audio), script, tmp_path / "ep.mp3", ExportSettings(draw_cover=False))
    out = write_feed(tmp_path, tmp_path / "feed.xml", title="Show\x00\x07 name", base_url=BASE, **REQUIRED)
    data = out.read_bytes()
    ET.fromstring(data)  # well-formed
    parsed = feedparser.parse(data)
    assert not parsed.bozo
    assert parsed.feed.title == "Show name"
    assert parsed.entries[0].title == "Ep one & <two>"
    assert xml_safe("a\x00b\tc\nd\ud800e\U0001f600") == "ab\tc\nde\U0001f600"


def test_write_feed_uses_a_published_cover_and_its_own_name(folder: Path, tmp_path: Path) -> None:
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(16))
    try:
        options = {"owner_email": "o@example.com", "author": "A"}
        out = write_feed(
            folder, tmp_path / "show.rss", title="Show", base_url="https://example.com", **options
        )
        channel, items = _items(out.read_text(encoding="utf-8"))
        assert channel.find("itunes:image", NS).get("href") == "https://example.com/cover.jpg"
        assert channel.find("atom:link", NS).get("href") == "https://example.com/show.rss"
        assert len(items) == 3
        assert [p.name for p in tmp_path.iterdir()] == ["show.rss"]
    finally:
        (folder / "cover.jpg").unlink()


def test_without_artwork_a_cover_is_drawn(tmp_path: Path) -> None:
    pytest.importorskip("PIL", reason="the default cover is drawn with Pillow")
    script, audio = synthetic_episode([[("A", "Hello there"), ("B", "Hi")]], language="en", title="Hello")
    export_episode(mix(script, audio), script, tmp_path / "hello.mp3", ExportSettings(draw_cover=False))
    xml = build_feed(tmp_path, title="My Show", base_url=BASE, owner_email="o@example.com", author="A")
    channel, _ = _items(xml)
    assert channel.find("itunes:image", NS).get("href") == BASE + "cover.png"
    from PIL import Image

    with Image.open(tmp_path / "cover.png") as image:
        assert image.format == "PNG" and image.size[0] == image.size[1] >= 1400


def test_episode_artwork_from_the_cover_sidecar(tmp_path: Path) -> None:
    pytest.importorskip("PIL", reason="the episode cover is drawn with Pillow")
    script, audio = synthetic_episode([[("A", "Hello there"), ("B", "Hi")]], language="en", title="Hello")
    settings = ExportSettings(sidecars=("notes", "cover"))
    export_episode(mix(script, audio), script, tmp_path / "hello.mp3", settings)
    covers = sorted(p.name for p in tmp_path.glob("hello.cover.*"))
    assert covers, "export wrote no cover sidecar"
    _, items = _items(build_feed(tmp_path, title="S", base_url=BASE, **REQUIRED))
    assert items[0].find("itunes:image", NS).get("href") == BASE + covers[0]


def test_untagged_mp3_uses_file_name_and_mtime(tmp_path: Path) -> None:
    from pedalboard.io import AudioFile

    path = tmp_path / "plain & simple.mp3"
    with AudioFile(str(path), "w", 44100, 1, quality="128k") as f:
        f.write(speech_like(2.0, 44100)[None, :])
    os.utime(path, (1_700_000_000, 1_700_000_000))
    _, items = _items(build_feed(tmp_path, title="t", base_url=BASE, language="en", **REQUIRED))
    assert len(items) == 1
    item = items[0]
    assert item.findtext("title") == "plain & simple"
    assert item.find("enclosure").get("url") == BASE + "plain%20%26%20simple.mp3"
    assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).timestamp() == 1_700_000_000
    assert item.find("podcast:chapters", NS) is None
    assert item.findall("podcast:transcript", NS) == []


def test_feed_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="export episodes into it first"):
        build_feed(tmp_path, title="t", base_url=BASE, **REQUIRED)
    with pytest.raises(ExportError, match="is not a folder"):
        build_feed(tmp_path / "missing", title="t", base_url=BASE, **REQUIRED)
    (tmp_path / "x.mp3").write_bytes(np.zeros(10, np.uint8).tobytes())
    with pytest.raises(ExportError, match="https://"):
        build_feed(tmp_path, title="t", base_url="example.com/pod", **REQUIRED)
    with pytest.raises(ExportError, match="--email"):
        build_feed(tmp_path, title="t", base_url=BASE, image="https://x.org/a.png")
    with pytest.raises(ExportError, match=r"\.jpg or \.png"):
        build_feed(
            tmp_path, title="t", base_url=BASE, owner_email="o@example.com", image="https://x.org/a.gif"
        )
    with pytest.raises(ExportError, match="title is empty"):
        build_feed(tmp_path, title="\x01 ", base_url=BASE, **REQUIRED)


def test_author_defaults_to_the_episodes_artist(tmp_path: Path) -> None:
    script, audio = synthetic_episode([[("A", "Hello there"), ("B", "Hi")]], language="en", title="Hello")
    settings = ExportSettings(sidecars=(), show="The Show", draw_cover=False)
    export_episode(mix(script, audio), script, tmp_path / "hello.mp3", settings)
    channel, items = _items(
        build_feed(
            tmp_path, title="Show", base_url=BASE, owner_email="o@example.com", image="https://x.org/a.png"
        )
    )
    assert channel.findtext("itunes:author", namespaces=NS) == "The Show"
    other = ExportSettings(sidecars=(), show="Another Show", draw_cover=False)
    export_episode(mix(script, audio), script, tmp_path / "hello2.mp3", other)
    channel, _ = _items(
        build_feed(
            tmp_path, title="Show", base_url=BASE, owner_email="o@example.com", image="https://x.org/a.png"
        )
    )
    assert channel.findtext("itunes:author", namespaces=NS) == "Show"  # no shared show name: the title
    assert channel.findtext("language") == "en"
    assert all(i.find("podcast:chapters", NS) is None for i in items)


def test_cli_feed_writes_a_valid_feed(folder: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from voicer.cli import app

    out = tmp_path / "feed.xml"
    args = [
        "feed",
        str(folder),
        "--title",
        "Show\x01",
        "--base-url",
        BASE,
        "-o",
        str(out),
        "--email",
        "o@example.com",
        "--image",
        "https://x.org/a.jpg",
        "--author",
        "A",
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    parsed = feedparser.parse(out.read_bytes())
    assert not parsed.bozo and parsed.feed.title == "Show" and len(parsed.entries) == 3
