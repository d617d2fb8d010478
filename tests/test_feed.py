"""feed: RSS 2.0 + iTunes + Podcasting 2.0 tags built from a folder of exported episodes."""

from __future__ import annotations

import email.utils
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from voicer.errors import ExportError
from voicer.export import ExportSettings, export_episode
from voicer.feed import build_feed, write_feed
from voicer.mix import MixSettings, mix
from voicer.mix.testsignal import speech_like, synthetic_episode

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
}
TITLES = ['黄仁勋 & 扎克伯格：<开源> "对谈"', "Llama 3.1 & the 'open' <model>", "第三集：AI 眼镜"]


def _heading_lines() -> list[str]:
    text = (TRANSCRIPTS / "huang-zuckerberg-interview.zh.md").read_text(encoding="utf-8")
    return [line.strip("#* ").replace("*", "") for line in text.splitlines() if line.startswith("#")]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("episodes")
    headings = _heading_lines() or ["开场"]
    for n, title in enumerate(TITLES, start=1):
        texts = [[("A", headings[(n + k) % len(headings)]), ("B", "好的")] for k in range(2)]
        script, audio = synthetic_episode(texts, max_seconds=1.5, title=title, seed=n)
        script.meta.update({"episode": str(n), "date": f"2026-11-{n:02d}"})
        mixed = mix(script, audio, MixSettings(lead_in=0.1, tail=0.2))
        export_episode(mixed, script, root / f"ep{n}.mp3")
    return root


def _items(xml: str) -> tuple[ET.Element, list[ET.Element]]:
    root = ET.fromstring(xml.encode("utf-8"))
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel is not None
    return channel, channel.findall("item")


def test_feed_has_every_episode_with_enclosures(folder: Path) -> None:
    xml = build_feed(
        folder,
        title="最佳拍档 & <AI>",
        base_url="https://example.com/pod/",
        author="大飞",
        image="https://x.org/a.png",
    )
    channel, items = _items(xml)
    assert channel.find("itunes:image", NS).get("href") == "https://x.org/a.png"
    assert channel.findtext("title") == "最佳拍档 & <AI>"
    assert channel.findtext("language") == "zh-cn"
    assert channel.findtext("description")
    assert channel.find("itunes:category", NS).get("text") == "Technology"
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:author", namespaces=NS) == "大飞"
    assert len(items) == 3
    # Newest first, titles round-trip through escaping.
    assert [i.findtext("title") for i in items] == TITLES[::-1]
    for item, n in zip(items, (3, 2, 1), strict=True):
        mp3 = folder / f"ep{n}.mp3"
        enc = item.find("enclosure")
        assert enc.get("url") == f"https://example.com/pod/ep{n}.mp3"
        assert int(enc.get("length")) == mp3.stat().st_size
        assert enc.get("type") == "audio/mpeg"
        assert item.findtext("itunes:episode", namespaces=NS) == str(n)
        date = email.utils.parsedate_to_datetime(item.findtext("pubDate"))
        assert (date.year, date.month, date.day) == (2026, 11, n)
        from mutagen.mp3 import MP3

        assert int(item.findtext("itunes:duration", namespaces=NS)) == round(MP3(str(mp3)).info.length)
        guid = item.find("guid")
        assert guid.get("isPermaLink") == "false" and len(guid.text) == 40
        chapters = item.find("podcast:chapters", NS)
        assert chapters.get("url") == f"https://example.com/pod/ep{n}.chapters.json"
        assert chapters.get("type") == "application/json+chapters"
        kinds = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
        assert kinds == {
            "text/vtt": f"https://example.com/pod/ep{n}.vtt",
            "application/x-subrip": f"https://example.com/pod/ep{n}.srt",
        }
        # Show notes without their title heading become the description.
        assert "00:00:00 Chapter 1" in item.findtext("description")


def test_guids_are_stable_and_unique(folder: Path) -> None:
    a = _items(build_feed(folder, title="t", base_url="https://example.com"))[1]
    b = _items(build_feed(folder, title="t", base_url="https://example.com/other"))[1]
    guids = [i.findtext("guid") for i in a]
    assert guids == [i.findtext("guid") for i in b]
    assert len(set(guids)) == 3


def test_write_feed_and_cover(folder: Path, tmp_path: Path) -> None:
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(16))
    try:
        out = write_feed(folder, tmp_path / "feed.xml", title="Show", base_url="https://example.com")
        channel, items = _items(out.read_text(encoding="utf-8"))
        assert channel.find("itunes:image", NS).get("href") == "https://example.com/cover.jpg"
        assert len(items) == 3
        assert [p.name for p in tmp_path.iterdir()] == ["feed.xml"]
    finally:
        (folder / "cover.jpg").unlink()


def test_untagged_mp3_uses_file_name_and_mtime(tmp_path: Path) -> None:
    import os

    from pedalboard.io import AudioFile

    path = tmp_path / "plain & simple.mp3"
    with AudioFile(str(path), "w", 44100, 1, quality="128k") as f:
        f.write(speech_like(2.0, 44100)[None, :])
    os.utime(path, (1_700_000_000, 1_700_000_000))
    _, items = _items(build_feed(tmp_path, title="t", base_url="https://example.com", language="en"))
    assert len(items) == 1
    item = items[0]
    assert item.findtext("title") == "plain & simple"
    assert item.find("enclosure").get("url") == "https://example.com/plain%20%26%20simple.mp3"
    assert email.utils.parsedate_to_datetime(item.findtext("pubDate")).timestamp() == 1_700_000_000
    assert item.find("podcast:chapters", NS) is None
    assert item.findall("podcast:transcript", NS) == []


def test_feed_errors_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="export episodes into it first"):
        build_feed(tmp_path, title="t", base_url="https://example.com")
    with pytest.raises(ExportError, match="is not a folder"):
        build_feed(tmp_path / "missing", title="t", base_url="https://example.com")
    (tmp_path / "x.mp3").write_bytes(np.zeros(10, np.uint8).tobytes())
    with pytest.raises(ExportError, match="https://"):
        build_feed(tmp_path, title="t", base_url="example.com/pod")


def test_english_episode_language(tmp_path: Path) -> None:
    script, audio = synthetic_episode([[("A", "Hello there"), ("B", "Hi")]], language="en", title="Hello")
    export_episode(mix(script, audio), script, tmp_path / "hello.mp3", ExportSettings(sidecars=()))
    channel, items = _items(build_feed(tmp_path, title="Show", base_url="https://example.com"))
    assert channel.findtext("language") == "en"
    assert items[0].find("podcast:chapters", NS) is None
