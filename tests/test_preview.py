"""Preview page, episode picture, default cover art and the CJK font they draw with."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import numpy as np
import pytest
from preview_fixtures import INJECTED, SCRIPT, render_episode

from voicer.artwork import fonts
from voicer.artwork.cover import draw_cover, wrap
from voicer.errors import PreviewError
from voicer.preview import preview_lines, write_index, write_page, write_picture
from voicer.preview.episode import load_episode, parse_cues, turns_from_cues
from voicer.preview.picture import style


@pytest.fixture(scope="module")
def episode(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return render_episode(tmp_path_factory.mktemp("preview"))


def _rgb(hex_color: str) -> np.ndarray:
    return np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)])


def _image(path: Path) -> np.ndarray:
    from PIL import Image

    with Image.open(path) as im:
        return np.asarray(im.convert("RGB")).astype(int)


# ------------------------------------------------------------------ export sidecars and cover


def test_export_records_engine_voices_loudness_and_turns(episode: Path) -> None:
    doc = json.loads(episode.with_suffix(".voicer.json").read_text(encoding="utf-8"))
    assert doc["engine"] == "offline"
    assert {h["name"]: h["voice"] for h in doc["hosts"]} == {
        "主持人甲": "zh-female-1",
        "主持人乙": "zh-male-1",
    }
    loud = doc["loudness"]
    assert loud["target_lufs"] == -19.0 and abs(loud["integrated_lufs"] - -19.0) < 1.0
    assert loud["true_peak_dbtp"] <= loud["ceiling_dbtp"]
    assert [c["title"] for c in doc["chapters"]] == ["开场", "第二章 Llama 3.1", "第三章 显卡与算力", "结尾"]
    assert len(doc["turns"]) == 7 and all(t["end"] > t["start"] for t in doc["turns"])
    assert doc["cover"] == "ep.cover.png"


def test_drawn_cover_is_square_apple_size_and_embedded(episode: Path) -> None:
    from mutagen.id3 import ID3
    from PIL import Image

    cover = episode.with_suffix(".cover.png")
    with Image.open(cover) as im:
        assert im.size == (1400, 1400) and im.mode == "RGB"
    apic = ID3(episode).getall("APIC")
    assert len(apic) == 1 and apic[0].mime == "image/png" and apic[0].data == cover.read_bytes()


def test_user_cover_is_kept_and_copied_beside(tmp_path: Path) -> None:
    from mutagen.id3 import ID3

    import voicer
    from voicer.export import ExportSettings

    art = tmp_path / "art.png"
    art.write_bytes(draw_cover("My own art", size=1500))
    src = tmp_path / "s.md"
    head = SCRIPT.split("# 开场")[0]
    src.write_text(head + "# 开场\n\n**甲:** 大家好。\n", encoding="utf-8")
    out = tmp_path / "mine.mp3"
    voicer.render(
        src, out, engine="offline", cache_dir=tmp_path / "c", export_settings=ExportSettings(cover=art)
    )
    assert ID3(out).getall("APIC")[0].data == art.read_bytes()
    assert (tmp_path / "mine.cover.png").read_bytes() == art.read_bytes()


def test_cover_draws_the_title_in_the_text_colour_and_the_show_in_the_accent(tmp_path: Path) -> None:
    from voicer.artwork.cover import palette

    colors = palette("最佳拍档")
    (tmp_path / "a.png").write_bytes(draw_cover("开源模型", "最佳拍档", size=1400))
    (tmp_path / "b.png").write_bytes(draw_cover("算力成本", "最佳拍档", size=1400))
    a, b = _image(tmp_path / "a.png"), _image(tmp_path / "b.png")
    assert (a != b).any()  # the title is drawn, not a fixed picture
    text = (np.abs(a - _rgb(colors["text"])).sum(axis=2) < 30).sum()
    accent = (np.abs(a[:400] - _rgb(colors["accent"])).sum(axis=2) < 30).sum()
    assert text > 20000 and accent > 2000  # big title strokes; show name and rule near the top


def test_cover_size_outside_apple_range_is_refused() -> None:
    with pytest.raises(PreviewError, match="1400-3000"):
        draw_cover("x", size=1000)
    with pytest.raises(PreviewError, match="1400-3000"):
        draw_cover("x", size=3001)


def test_cover_wraps_han_anywhere_latin_at_spaces_and_keeps_punctuation_off_line_starts() -> None:
    from voicer.artwork.cover import _font

    font = _font(60)
    lines = wrap("Meta与扎克伯格：开源模型、H100 和 Llama 3.1 的故事", font, 420)
    assert len(lines) > 1
    assert "".join(lines).replace(" ", "") == "Meta与扎克伯格：开源模型、H100和Llama3.1的故事"
    assert not any(line[0] in "，。：、" for line in lines)
    assert all(font.getlength(line) <= 420 + 60 for line in lines)
    english = wrap("Why open models win in the long run", font, 400)
    assert (
        all(not w.startswith(" ") for w in english)
        and " ".join(english) == "Why open models win in the long run"
    )


# ------------------------------------------------------------------ fonts


def _glyph_masks(text: str, font_path: str, index: int) -> list[bytes]:
    from PIL import ImageFont

    font = ImageFont.truetype(font_path, 48, index=index)
    return [bytes(font.getmask(ch)) for ch in text]


def _dejavu() -> str:
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts/ttf/DejaVuSans.ttf")


def test_cjk_font_draws_distinct_glyphs_not_tofu() -> None:
    font = fonts.find_cjk_font()
    if font is None:
        pytest.skip("no CJK font here (apt install fonts-noto-cjk or pip install 'voicer[cjk]')")
    chars = "开源模型章节"
    masks = _glyph_masks(chars, str(font.path), font.index)
    assert len(set(masks)) == len(chars)  # six different shapes
    # The check can fail: a Latin-only font draws every Han character as the same box.
    assert len(set(_glyph_masks(chars, _dejavu(), 0))) == 1


@pytest.mark.filterwarnings("ignore:Glyph .* missing from font")
def test_picture_chapter_titles_are_not_tofu(tmp_path: Path) -> None:
    """Two different Chinese titles drawn by matplotlib in the picture's fonts give different pixels."""
    if fonts.find_cjk_font() is None:
        pytest.skip("no CJK font here (apt install fonts-noto-cjk or pip install 'voicer[cjk]')")
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    def draw(text: str, family: list[str]) -> np.ndarray:
        with rc_context({"font.family": family}):
            fig = Figure(figsize=(2, 1), dpi=50)
            canvas = FigureCanvasAgg(fig)
            fig.text(0.1, 0.4, text, fontsize=30)
            canvas.draw()
            return np.asarray(canvas.buffer_rgba()).copy()

    assert not np.array_equal(draw("开场", fonts.families()), draw("结尾", fonts.families()))
    assert np.array_equal(draw("开场", ["DejaVu Sans"]), draw("结尾", ["DejaVu Sans"]))  # tofu


def test_font_env_override_is_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fonts.find_cjk_font.cache_clear()
    try:
        monkeypatch.setenv(fonts.ENV, str(tmp_path / "none.otf"))
        with pytest.raises(PreviewError, match="is not a file"):
            fonts.find_cjk_font()
        monkeypatch.setenv(fonts.ENV, _dejavu())
        with pytest.raises(PreviewError, match="no Chinese glyphs"):
            fonts.find_cjk_font()
        system = fonts._from_system()
        if system is None:
            pytest.skip("no system CJK font to point the variable at")
        monkeypatch.setenv(fonts.ENV, str(system.path))
        found = fonts.find_cjk_font()
        assert found is not None and found.source == "$VOICER_CJK_FONT" and found.family.endswith(" SC")
    finally:
        fonts.find_cjk_font.cache_clear()


def test_font_from_a_pip_package_when_the_system_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = fonts._from_system()
    if system is None:
        pytest.skip("no CJK font file to lay out as a package here")
    pkg = tmp_path / "mplfonts"
    (pkg / "fonts").mkdir(parents=True)
    (pkg / "__init__.py").write_text("raise RuntimeError('voicer must find the font without importing')\n")
    (pkg / "fonts" / "NotoSansCJKsc-Regular.otf").symlink_to(system.path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(fonts.ENV, raising=False)
    monkeypatch.setattr(fonts, "_from_system", lambda: None)
    fonts.find_cjk_font.cache_clear()
    try:
        found = fonts.find_cjk_font()
        assert found is not None and found.source == "package mplfonts" and found.family.endswith(" SC")
    finally:
        fonts.find_cjk_font.cache_clear()


def test_no_cjk_font_still_draws_and_says_how_to_get_one(
    episode: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import voicer.artwork.fonts as mod

    monkeypatch.setattr(mod, "find_cjk_font", lambda: None)
    lines = preview_lines(episode, picture=True)
    assert any("No font with Chinese glyphs" in line and "fonts-noto-cjk" in line for line in lines)
    assert episode.with_suffix(".timeline.png").is_file()


# ------------------------------------------------------------------ picture


def test_picture_marks_chapters_turns_and_loudness(episode: Path, tmp_path: Path) -> None:
    path, geo = write_picture(episode, tmp_path / "pic.png")
    pixels = _image(path)
    assert pixels.shape[:2] == (geo.height, geo.width)
    ep = load_episode(episode)
    mark = _rgb(style()["chapter"])
    top, bottom = (int(v) for v in geo.lanes)

    def marked_rows(x: float) -> int:
        cols = pixels[top:bottom, int(round(x)) - 1 : int(round(x)) + 2]
        return int((np.abs(cols - mark).sum(axis=2) < 60).any(axis=1).sum())

    for chapter in ep.chapters[1:]:
        assert marked_rows(geo.x(chapter.start)) > 0.9 * (bottom - top), chapter.title
    # Between two boundaries there is no chapter mark.
    middle = (ep.chapters[1].start + ep.chapters[2].start) / 2
    assert marked_rows(geo.x(middle)) == 0
    # Each turn is a bar in its speaker's colour, in its speaker's lane.
    colors = {n: _rgb(c) for n, c in zip(ep.speakers, style()["speakers"], strict=False)}
    lane_h = (bottom - top) / len(ep.speakers)
    for turn in ep.turns:
        lane = ep.speakers.index(turn.speaker)
        y = int(top + (lane + 0.5) * lane_h)
        x = int(geo.x((turn.start + turn.end) / 2))
        assert np.abs(pixels[y, x] - colors[turn.speaker]).sum() < 30, turn
    # The loudness curve (dark grey) is drawn in the lower plot.
    ctop, cbottom = (int(v) for v in geo.curve)
    curve = pixels[ctop:cbottom, int(geo.x0) + 5 : int(geo.x1) - 5]
    assert (np.abs(curve - _rgb(style()["loudness"])).sum(axis=2) < 40).sum() > 200


def test_picture_draws_dollar_signs_as_text_and_works_without_a_curve(tmp_path: Path) -> None:
    from voicer.preview.episode import Chapter, Episode, Turn
    from voicer.preview.picture import draw_picture

    # Each of these is invalid mathtext: matplotlib would raise if it parsed them as math.
    ep = Episode(audio=tmp_path / "x.mp3", title="Costs: $\\nosuchcmd$ and $10", duration=20.0)
    ep.speakers = ["$x^$", "B"]
    ep.turns = [Turn("$x^$", 1.0, 5.0), Turn("B", 6.0, 9.0)]
    ep.chapters = [Chapter("$a_{$ one", 0.0, 10.0), Chapter("two", 10.0, 20.0)]
    geo = draw_picture(ep, tmp_path / "x.png", curve=None)
    pixels = _image(tmp_path / "x.png")
    column = pixels[int(geo.lanes[0]) : int(geo.lanes[1]), int(round(geo.x(10.0)))]
    assert (np.abs(column - _rgb(style()["chapter"])).sum(axis=1) < 60).mean() > 0.9


# ------------------------------------------------------------------ page


def test_page_escapes_every_text_and_allows_only_its_own_script(episode: Path) -> None:
    html = write_page(episode).read_text(encoding="utf-8")
    assert html.count("<script>") == 1 and html.count("</script>") == 1
    assert "alert(1)" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert INJECTED not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    policy = unescape(html.split('http-equiv="Content-Security-Policy" content="')[1].split('"')[0])
    assert "script-src 'sha256-" in policy and policy.startswith("default-src 'none'")
    assert "http://" not in html and "https://" not in html  # nothing from the network


def test_page_lists_chapters_transcript_speakers_and_loudness(episode: Path) -> None:
    html = write_page(episode).read_text(encoding="utf-8")
    ep = load_episode(episode)
    for chapter in ep.chapters:
        assert f'data-seek="{chapter.start:.3f}"' in html
    assert html.count('class="cue"') == len(ep.cues) >= 7
    assert 'src="ep.mp3"' in html and 'src="ep.timeline.png"' in html and 'src="ep.cover.png"' in html
    assert "zh-female-1" in html and "Engine: offline" in html and "-19.0 LUFS" in html
    assert "<h2>Show notes</h2>" in html and "<h3>" in html  # the notes' own h1 sits below the page's
    assert 'id="missing"' not in html


def test_bare_mp3_gets_a_page_that_says_what_is_missing(episode: Path, tmp_path: Path) -> None:
    bare = tmp_path / "bare.mp3"
    shutil.copy(episode, bare)  # the MP3 alone: ID3 chapters and cover, no sidecars
    html = write_page(bare).read_text(encoding="utf-8")
    assert "No chapters file (bare.chapters.json)" in html
    assert "No transcript (bare.vtt or .srt)" in html and "No show notes (bare.notes.md)" in html
    assert "from the file&#x27;s ID3 chapters" in html  # chapters still found in the tags
    assert html.count("data-seek=") == 4
    assert "measured now from the audio file" in html


def test_without_the_report_speakers_and_turns_come_from_the_vtt(episode: Path, tmp_path: Path) -> None:
    mp3 = tmp_path / "half.mp3"
    shutil.copy(episode, mp3)
    shutil.copy(episode.with_suffix(".vtt"), mp3.with_suffix(".vtt"))
    ep = load_episode(mp3)
    assert ep.speakers == ["主持人甲", "主持人乙"] and ep.sources["turns"] == "transcript cues"
    assert len(ep.turns) == 7 and ep.engine is None
    html = write_page(mp3).read_text(encoding="utf-8")
    assert "Engine: not recorded" in html and "No half.voicer.json" in html
    assert mp3.with_suffix(".timeline.png").is_file()


def test_untagged_mp3_without_anything_still_gets_a_page(tmp_path: Path) -> None:
    from pedalboard.io import AudioFile

    sr = 44100
    tone = (0.1 * np.sin(2 * np.pi * 220 * np.arange(3 * sr) / sr)).astype(np.float32)
    path = tmp_path / "tone.mp3"
    with AudioFile(str(path), "w", sr, 1, quality="128k") as f:
        f.write(tone[None, :])
    html = write_page(path).read_text(encoding="utf-8")
    for text in (
        "No chapters in the audio file either",
        "No transcript",
        "No cover art",
        "No tone.voicer.json",
    ):
        assert text in html
    assert "<audio" in html and "integrated loudness" in html


def test_page_must_sit_beside_the_audio(episode: Path, tmp_path: Path) -> None:
    with pytest.raises(PreviewError, match="beside the audio"):
        write_page(episode, tmp_path / "elsewhere.html")
    with pytest.raises(PreviewError, match="not an episode audio file"):
        write_page(episode.with_suffix(".vtt"))


def test_vtt_and_srt_cues_are_parsed_with_speakers() -> None:
    vtt = (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v A &amp; B>x &lt;b&gt; y\n\n"
        "01:00:00.000 --> 01:00:01.000\nplain\n"
    )
    cues = parse_cues(vtt)
    assert [(c.start, c.end, c.speaker, c.text) for c in cues] == [
        (1.0, 2.5, "A & B", "x <b> y"),
        (3600.0, 3601.0, "", "plain"),
    ]
    srt = "1\n00:00:00,500 --> 00:00:01,000\nAnn: hi\n\n2\n00:00:01,200 --> 00:00:02,000\nAnn: again\n"
    cues = parse_cues(srt)
    assert [c.start for c in cues] == [0.5, 1.2]
    cues[0].speaker = cues[1].speaker = "Ann"
    assert [(t.speaker, t.start, t.end) for t in turns_from_cues(cues)] == [("Ann", 0.5, 2.0)]


def test_index_page_lists_episodes_and_the_feed(episode: Path) -> None:
    folder = episode.parent
    episode.with_suffix(".html").unlink(missing_ok=True)
    index = write_index(folder, "https://example.com/feed.xml")
    html = index.read_text(encoding="utf-8")
    assert 'href="ep.html"' in html and episode.with_suffix(".html").is_file()
    assert 'href="https://example.com/feed.xml"' in html and "application/rss+xml" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    with pytest.raises(PreviewError, match="http"):
        write_index(folder, "javascript:alert(1)")


def test_cli_preview_writes_the_page_and_refuses_a_missing_file(episode: Path, tmp_path: Path) -> None:
    run = [sys.executable, "-m", "voicer", "preview"]
    done = subprocess.run([*run, str(episode), "--no-picture"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert f"Wrote {episode.with_suffix('.html')}" in done.stdout
    bad = subprocess.run([*run, str(tmp_path / "nope.mp3")], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 2 and "does not exist" in bad.stderr and "Traceback" not in bad.stderr


def test_importing_voicer_and_preview_stays_light() -> None:
    code = (
        "import sys, voicer, voicer.cli, voicer.preview, voicer.artwork.cover\n"
        "print([m for m in ('matplotlib', 'PIL', 'fontTools', 'markdown_it', 'mutagen') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cli_render_picture_draws_the_timeline(episode: Path, tmp_path: Path) -> None:
    out = tmp_path / "again.mp3"
    cmd = [sys.executable, "-m", "voicer", "render", str(episode.parent / "source.md"), "-o", str(out)]
    cmd += ["--engine", "offline", "--cache-dir", str(episode.parent / "cache"), "--picture", "--quiet"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    picture = tmp_path / "again.timeline.png"
    assert picture.is_file() and str(picture) in done.stderr
    assert _image(picture).shape[1] == 1200
