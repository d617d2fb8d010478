"""export: encoded audio, ID3 tags and chapters, loudness after encoding, sidecars, atomic writes."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import voicer.export as export_mod
from voicer.errors import ExportError
from voicer.export import ExportReport, ExportSettings, export_episode
from voicer.export.sidecars import split_turn
from voicer.mix import MixSettings, mix
from voicer.mix.testsignal import synthetic_episode
from voicer.model import Mixed, Script, TimedTurn

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
Exported = tuple[Script, Mixed, ExportReport]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))


def dafei_lines() -> list[str]:
    text = (TRANSCRIPTS / "dafei-monologue.zh.txt").read_text(encoding="utf-8")
    return [x.strip() for x in text.splitlines() if x.strip()]


def episode(stereo: bool = False, long_turn: bool = True, **kw: object) -> tuple[Script, Mixed]:
    lines = dafei_lines()
    # One long turn (many subtitle lines joined) to force cue splitting.
    long = "，".join(lines[20:32]) + "。"
    texts = [
        [("A", lines[0]), ("B", lines[1]), ("B", lines[2])],
        [("A", long if long_turn else lines[3]), ("B", lines[4])],
        [("A", lines[5] + ' & <tags> "quoted"'), ("B", lines[6])],
    ]
    script, audio = synthetic_episode(texts, max_seconds=12.0, title='最佳拍档 & <Llama 3.1> "特辑"', **kw)
    script.meta.update({"episode": "7", "date": "2026-11-20", "description": "扎克伯格与黄仁勋的对谈。"})
    return script, mix(script, audio, MixSettings(stereo=stereo))


def decoded_loudness(path: Path) -> tuple[float, float, int]:
    """Integrated LUFS (pyloudnorm) and 4x-oversampled true peak (scipy), measured independently."""
    import pyloudnorm
    from pedalboard.io import AudioFile
    from scipy.signal import resample_poly

    with AudioFile(str(path)) as f:
        data = f.read(f.frames)
        sr = int(f.samplerate)
    x = data.T if data.shape[0] > 1 else data[0]
    lufs = pyloudnorm.Meter(sr).integrated_loudness(x)
    peak = float(np.max(np.abs(resample_poly(x, 4, 1, axis=0))))
    return lufs, 20 * math.log10(peak), sr


@pytest.fixture(scope="module")
def mono_export(tmp_path_factory: pytest.TempPathFactory) -> Exported:
    script, mixed = episode()
    cover = tmp_path_factory.mktemp("art") / "cover.png"
    cover.write_bytes(PNG)
    out = tmp_path_factory.mktemp("ep") / "ep07.mp3"
    report = export_episode(mixed, script, out, ExportSettings(cover=cover, artist="最佳拍档"))
    return script, mixed, report


def test_mp3_is_44k_cbr_with_tags(mono_export: Exported) -> None:
    from mutagen.mp3 import MP3, BitrateMode

    script, mixed, report = mono_export
    assert report.audio.is_file() and report.format == "mp3"
    info = MP3(str(report.audio)).info
    assert info.sample_rate == 44100 and info.channels == 1
    assert info.bitrate == 128000 and info.bitrate_mode == BitrateMode.CBR
    assert info.length == pytest.approx(mixed.timeline.duration, abs=0.03)
    tags = MP3(str(report.audio)).tags
    assert tags.version[:2] == (2, 3)
    assert str(tags["TIT2"]) == script.title
    assert str(tags["TPE1"]) == "最佳拍档"
    assert str(tags["TRCK"]) == "7"
    assert str(tags["TDRC"]) == "2026-11-20"
    assert str(tags["TLAN"]) == "chi"
    assert tags.getall("COMM")[0].text[0] == "扎克伯格与黄仁勋的对谈。"
    apic = tags.getall("APIC")[0]
    assert apic.mime == "image/png" and apic.data == PNG


def test_chapters_read_back_at_timeline_times(mono_export: Exported) -> None:
    from mutagen.id3 import ID3, CTOCFlags

    script, mixed, report = mono_export
    tags = ID3(str(report.audio))
    toc = tags.getall("CTOC")
    assert len(toc) == 1
    assert toc[0].flags & CTOCFlags.TOP_LEVEL and toc[0].flags & CTOCFlags.ORDERED
    chaps = {c.element_id: c for c in tags.getall("CHAP")}
    ordered = [chaps[i] for i in toc[0].child_element_ids]
    assert len(ordered) == len(script.chapters)
    for chap, timed in zip(ordered, mixed.timeline.chapters, strict=True):
        assert chap.start_time == round(timed.start * 1000)
        assert chap.end_time == round(timed.end * 1000)
        assert chap.sub_frames["TIT2"].text[0] == timed.title
    # Chapter 2 starts exactly at its first turn.
    first = next(t for t in mixed.timeline.turns if t.chapter == 1)
    assert ordered[1].start_time == round(first.start * 1000)


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="ffprobe is not installed (apt install ffmpeg)")
def test_ffprobe_reads_the_chapters(mono_export: Exported) -> None:
    """A second, independent reader of the ID3 chapters (a visible skip without ffprobe)."""
    _, mixed, report = mono_export
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(report.audio)],
        capture_output=True,
        text=True,
        check=True,
    )
    got = json.loads(probe.stdout)["chapters"]
    assert [round(float(c["start_time"]), 3) for c in got] == [
        round(round(c.start * 1000) / 1000, 3) for c in mixed.timeline.chapters
    ]
    assert [c["tags"]["title"] for c in got] == [c.title for c in mixed.timeline.chapters]


def test_loudness_after_encoding_mono(mono_export: Exported) -> None:
    _, _, report = mono_export
    lufs, peak, sr = decoded_loudness(report.audio)
    assert sr == 44100
    assert lufs == pytest.approx(-19.0, abs=1.0)
    assert peak <= -1.0
    assert report.loudness["integrated_lufs"] == pytest.approx(lufs, abs=0.05)
    assert report.loudness["true_peak_dbtp"] <= -1.0


def test_loudness_after_encoding_stereo_and_custom_bitrate(tmp_path: Path) -> None:
    from mutagen.mp3 import MP3

    script, mixed = episode(stereo=True, long_turn=False)
    settings = ExportSettings(bitrate_kbps=96, sidecars=(), show="最佳拍档")
    report = export_episode(mixed, script, tmp_path / "st.mp3", settings)
    lufs, peak, _ = decoded_loudness(report.audio)
    assert lufs == pytest.approx(-16.0, abs=1.0)
    assert peak <= -1.0
    info = MP3(str(report.audio)).info
    assert info.channels == 2 and info.bitrate == 96000
    tags = MP3(str(report.audio)).tags
    assert str(tags["TALB"]) == str(tags["TPE1"]) == "最佳拍档"
    assert report.paths == [report.audio]


def _parse_cues(text: str, sep: str) -> list[tuple[int, int, str]]:
    """(start ms, end ms, text line) of every cue."""
    pattern = re.compile(
        rf"(\d\d):(\d\d):(\d\d){sep}(\d\d\d) --> (\d\d):(\d\d):(\d\d){sep}(\d\d\d)\n(.+)", re.MULTILINE
    )
    cues = []
    for m in pattern.finditer(text):
        g = [int(x) for x in m.groups()[:8]]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        cues.append((start, end, m.group(9)))
    return cues


@pytest.mark.parametrize("kind", ["srt", "vtt"])
def test_subtitle_cues_line_up_with_turns(mono_export: Exported, kind: str) -> None:
    _, mixed, report = mono_export
    path = report.audio.with_suffix(f".{kind}")
    assert path in report.paths
    text = path.read_text(encoding="utf-8")
    if kind == "vtt":
        assert text.startswith("WEBVTT\n")
    cues = _parse_cues(text, "," if kind == "srt" else ".")
    turns = mixed.timeline.turns
    assert len(cues) > len(turns)  # the long turn was split
    i = 0
    for turn in turns:
        mine = []
        while i < len(cues) and cues[i][0] < round(turn.end * 1000):
            mine.append(cues[i])
            i += 1
        assert mine[0][0] == round(turn.start * 1000)
        assert mine[-1][1] == round(turn.end * 1000)
        for a, b in zip(mine, mine[1:], strict=False):
            assert a[1] == b[0]
        for start, end, line in mine:
            assert end - start <= 7000
            if kind == "srt":
                assert line.startswith(f"{turn.name}: ")
            else:
                assert line.startswith(f"<v {turn.name}>")
        body = "".join(
            line.split(">", 1)[1] if kind == "vtt" else line.split(": ", 1)[1] for *_, line in mine
        )
        if kind == "vtt":
            body = body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
        assert body.replace(" ", "") == turn.text.replace(" ", "")
    assert i == len(cues)


def test_long_turn_split_by_characters_at_clauses() -> None:
    lines = dafei_lines()
    text = "，".join(lines[40:60]) + "。"
    turn = TimedTurn(0, 0, "A", "大飞", text, start=10.0, end=10.0 + 0.22 * len(text))
    cues = split_turn(turn, max_seconds=7.0, max_chars=40)
    assert len(cues) >= math.ceil(len(text) / 40)
    assert cues[0].start == 10.0 and cues[-1].end == turn.end
    assert "".join(c.text for c in cues) == text

    def weight(s: str) -> float:  # Han characters and CJK punctuation 1, Latin letters/digits 0.5
        return sum(1.0 if ("\u4e00" <= ch <= "\u9fff" or ch in "，。") else 0.5 for ch in s)

    seconds_per_weight = (turn.end - turn.start) / weight(text)
    for c in cues:
        assert weight(c.text) <= 40
        assert c.end - c.start <= 7.0 + 1e-9
        assert (c.end - c.start) == pytest.approx(seconds_per_weight * weight(c.text), abs=1e-6)
    # Most cuts fall after clause punctuation.
    assert sum(c.text[-1] in "，。" for c in cues[:-1]) >= 0.7 * (len(cues) - 1)


def test_chapters_json_and_show_notes(mono_export: Exported) -> None:
    script, mixed, report = mono_export
    doc = json.loads(report.audio.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    assert doc["version"] == "1.2.0"
    assert [c["title"] for c in doc["chapters"]] == [c.title for c in mixed.timeline.chapters]
    assert [c["startTime"] for c in doc["chapters"]] == [round(c.start, 3) for c in mixed.timeline.chapters]
    notes = report.audio.with_suffix(".notes.md").read_text(encoding="utf-8")
    assert notes.startswith(f"# {script.title}\n")
    assert "扎克伯格与黄仁勋的对谈。" in notes
    for h in script.hosts:
        assert f"- {h.name}" in notes
    for c in mixed.timeline.chapters:
        s = int(c.start)
        assert f"- {s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d} {c.title}" in notes
    assert report.paths == [
        report.audio,
        report.audio.with_suffix(".chapters.json"),
        report.audio.with_suffix(".srt"),
        report.audio.with_suffix(".vtt"),
        report.audio.with_suffix(".notes.md"),
        report.audio.with_suffix(".cover.png"),  # the --cover PNG, copied beside
        report.audio.with_suffix(".voicer.json"),
    ]


def test_failing_encoder_leaves_nothing_at_destination(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    script, mixed = episode(long_turn=False)
    out = tmp_path / "ep.mp3"

    def broken(*args: object, **kw: object) -> None:
        Path(str(args[2])).write_bytes(b"\xff\xfb" + b"\0" * 1000)  # half-written file
        raise ExportError("Encoding ep.mp3 failed (disk full); check the output folder and settings.")

    monkeypatch.setattr(export_mod, "write_audio", broken)
    with pytest.raises(ExportError):
        export_episode(mixed, script, out)
    assert list(tmp_path.iterdir()) == []

    # An older episode at the destination survives a failed re-export untouched.
    out.write_bytes(b"old episode")
    with pytest.raises(ExportError):
        export_episode(mixed, script, out)
    assert out.read_bytes() == b"old episode"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ep.mp3"]


@pytest.mark.parametrize("ext", ["wav", "flac"])
def test_lossless_formats(tmp_path: Path, ext: str) -> None:
    import soundfile

    script, mixed = episode(long_turn=False)
    report = export_episode(mixed, script, tmp_path / f"ep.{ext}", ExportSettings(sidecars=("chapters",)))
    data, sr = soundfile.read(str(report.audio), dtype="float32")
    assert sr == 44100 and report.format == ext
    assert data.shape[0] == mixed.samples.shape[0]
    assert np.max(np.abs(data - mixed.samples)) < 1e-3  # 16-bit PCM of the same signal
    if ext == "flac":
        from mutagen.flac import FLAC

        tags = FLAC(str(report.audio))
        assert tags["TITLE"] == [script.title]
        assert tags["CHAPTER002NAME"] == [mixed.timeline.chapters[1].title]
    else:
        from mutagen.wave import WAVE

        chaps = WAVE(str(report.audio)).tags.getall("CHAP")
        assert sorted(c.start_time for c in chaps) == [round(c.start * 1000) for c in mixed.timeline.chapters]


def test_unsupported_formats_are_clear_errors(tmp_path: Path) -> None:
    script, mixed = episode(long_turn=False)
    with pytest.raises(ExportError, match="use a .mp3"):
        export_episode(mixed, script, tmp_path / "ep.aiff")
    with pytest.raises(ExportError, match="JPEG or PNG"):
        bad = tmp_path / "cover.gif"
        bad.write_bytes(b"GIF89a....")
        export_episode(mixed, script, tmp_path / "ep.mp3", ExportSettings(cover=bad))
    with pytest.raises(ExportError, match="is a folder"):
        export_episode(mixed, script, tmp_path)
    with pytest.raises(ExportError, match="Unknown sidecar"):
        export_episode(mixed, script, tmp_path / "ep.mp3", ExportSettings(sidecars=("txt",)))
    assert list(tmp_path.iterdir()) == [bad]


def test_name_without_extension_gets_the_format(tmp_path: Path) -> None:
    import soundfile

    script, mixed = episode(long_turn=False)
    report = export_episode(mixed, script, tmp_path / "episode", ExportSettings(sidecars=("srt",)))
    assert report.audio == tmp_path / "episode.mp3" and report.audio.is_file()
    assert (tmp_path / "episode.srt").is_file()
    report = export_episode(mixed, script, tmp_path / "take.raw", ExportSettings(format="wav", sidecars=()))
    head = report.audio.read_bytes()[:12]
    assert head[:4] == b"RIFF" and head[8:12] == b"WAVE"
    import io

    assert soundfile.info(io.BytesIO(report.audio.read_bytes())).samplerate == 44100
    assert sorted(p.name for p in tmp_path.iterdir()) == ["episode.mp3", "episode.srt", "take.raw"]


def test_real_espeak_turns_master_and_encode_within_limits(tmp_path: Path) -> None:
    """Real TTS output (offline eSpeak NG engine) has a speech crest factor the limiter must handle."""
    from voicer.engines import default_cast, get_engine, get_voice, load_voices
    from voicer.model import Chapter, Host, Turn, TurnAudio

    try:
        engine = get_engine("offline")
        ok, why = engine.available()
    except Exception as exc:  # the engine stage may be unavailable on this machine
        pytest.skip(f"offline engine unavailable: {exc}")
    if not ok:
        pytest.skip(f"offline engine unavailable: {why}")
    voices = load_voices()
    a, b = default_cast("zh", "offline")
    lines = dafei_lines()[:4]
    script = Script(
        "最佳拍档 试听",
        "zh",
        [Host("A", "大飞", a), Host("B", "小芳", b)],
        [
            Chapter("开场", [Turn("A", lines[0]), Turn("B", lines[1])]),
            Chapter("正文", [Turn("A", lines[2] + lines[3])]),
        ],
    )
    audio = []
    for ci, ti, turn in script.turns():
        x, sr = engine.synthesize(turn.text, get_voice(script.host(turn.speaker).voice, voices), "zh")
        audio.append(TurnAudio(ci, ti, x, sr))
    for stereo, target in ((False, -19.0), (True, -16.0)):
        mixed = mix(script, audio, MixSettings(stereo=stereo))
        report = export_episode(
            mixed, script, tmp_path / f"real{int(stereo)}.mp3", ExportSettings(sidecars=())
        )
        lufs, peak, sr = decoded_loudness(report.audio)
        assert sr == 44100
        assert lufs == pytest.approx(target, abs=1.0)
        assert peak <= -1.0
        # Every turn was trimmed to its speech: no turn keeps long edge silence.
        for t, a_ in zip(mixed.timeline.turns, audio, strict=True):
            assert t.end - t.start <= a_.samples.size / a_.sample_rate + 1e-6


def test_encoded_file_is_corrected_to_ceiling_and_target(tmp_path: Path) -> None:
    script, mixed = episode(long_turn=False)
    assert mixed.loudness["true_peak_dbtp"] > -6.0
    # The target and ceiling are the mix's (MixSettings owns them); export checks the encoded
    # file against them. A stricter ceiling than the samples have: re-encoded lower.
    from dataclasses import replace

    tight = replace(mixed, loudness={**mixed.loudness, "ceiling_dbtp": -6.0})
    strict = export_episode(tight, script, tmp_path / "a.mp3", ExportSettings(sidecars=()))
    _, peak, _ = decoded_loudness(strict.audio)
    assert strict.reencoded and peak <= -6.0
    # A loudness target the samples miss: corrected within tolerance.
    softer = replace(mixed, loudness={**mixed.loudness, "target_lufs": -21.0})
    quiet = export_episode(softer, script, tmp_path / "b.mp3", ExportSettings(sidecars=()))
    lufs, _, _ = decoded_loudness(quiet.audio)
    assert quiet.reencoded and lufs == pytest.approx(-21.0, abs=0.3)


def test_english_cues_break_between_words() -> None:
    text = (
        "Open source models are going to be the standard, Mark said, and Jensen agreed that the next "
        "decade of computing will be built on them. Smart glasses, he added, could sell hundreds of "
        "millions of units once the assistant inside them becomes genuinely useful every single day."
    )
    turn = TimedTurn(0, 0, "B", "Mark", text, start=3.0, end=3.0 + 0.065 * len(text))
    cues = split_turn(turn, max_seconds=7.0, max_chars=40)
    assert len(cues) >= 3
    assert " ".join(c.text for c in cues) == text
    words = set(text.split())
    for c in cues:
        assert len(c.text) * 0.5 <= 40  # Latin characters weigh half a Han character
        assert c.end - c.start <= 7.0 + 1e-9
        assert set(c.text.split()) <= words  # no word cut in two
    assert cues[0].start == 3.0 and cues[-1].end == turn.end


def test_cues_never_split_version_numbers() -> None:
    # From the monologue: "llama3.1" once came out as "llama3." / "1" in two cues.
    text = (
        "最近扎克伯格真的是风头两无啊。凭借着上周发布的llama3.1，"
        "他不仅将Meta从股价黑洞里拉了出来，还顺带洗刷了自己的风评。"
    )
    for max_chars in range(8, 40):
        turn = TimedTurn(0, 0, "A", "主持人甲", text, start=0.0, end=14.0)
        cues = split_turn(turn, max_seconds=7.0, max_chars=max_chars)
        assert "".join(c.text for c in cues) == text
        assert any("llama3.1" in c.text for c in cues), (max_chars, [c.text for c in cues])


def decode_m4a(path: Path) -> tuple[np.ndarray, int]:
    """(n, channels) float32 samples and rate, decoded by PyAV (pedalboard reads AAC only on macOS)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        frames = [f.to_ndarray() for f in container.decode(stream)]
        assert stream.codec_context.name == "aac"
        return np.concatenate(frames, axis=1).T, int(stream.codec_context.sample_rate)


def test_m4a_aac_decodes_with_tags_chapters_and_loudness(tmp_path: Path) -> None:
    av = pytest.importorskip("av")
    import pyloudnorm
    from mutagen.mp4 import MP4, MP4Cover
    from scipy.signal import resample_poly

    script, mixed = episode()
    cover = tmp_path / "cover.png"
    cover.write_bytes(PNG)
    report = export_episode(
        mixed, script, tmp_path / "ep.m4a", ExportSettings(cover=cover, artist="最佳拍档")
    )
    assert report.format == "m4a" and report.audio == tmp_path / "ep.m4a" and report.bitrate_kbps == 128
    assert report.audio.read_bytes()[4:11] == b"ftypM4A"

    data, sr = decode_m4a(report.audio)
    assert sr == 44100 and data.shape[1] == 1
    priming = 1024 / sr  # one AAC frame
    assert data.shape[0] / sr == pytest.approx(mixed.timeline.duration, abs=0.05 + priming)
    x = data[:, 0]
    lufs = pyloudnorm.Meter(sr).integrated_loudness(x)
    peak = 20 * math.log10(float(np.max(np.abs(resample_poly(x, 4, 1)))))
    assert lufs == pytest.approx(-19.0, abs=1.0)
    assert peak <= -1.0
    assert report.loudness["integrated_lufs"] == pytest.approx(lufs, abs=0.05)

    mp4 = MP4(str(report.audio))
    assert mp4.info.sample_rate == 44100 and mp4.info.channels == 1
    tags = mp4.tags
    assert tags["\xa9nam"] == [script.title]
    assert tags["\xa9ART"] == ["最佳拍档"]
    assert tags["\xa9alb"] == [script.title]
    assert tags["\xa9day"] == ["2026-11-20"]
    assert tags["\xa9cmt"] == ["扎克伯格与黄仁勋的对谈。"]
    assert tags["trkn"] == [(7, 0)]
    assert bytes(tags["----:com.apple.iTunes:LANGUAGE"][0]) == b"chi"
    assert tags["covr"][0] == PNG and tags["covr"][0].imageformat == MP4Cover.FORMAT_PNG

    # The chapters JSON sidecar is written whatever the container holds.
    assert report.audio.with_suffix(".chapters.json") in report.paths
    if hasattr(av.container.OutputContainer, "set_chapters"):  # PyAV >= 16 muxes MP4 chapters
        expected = [(round(c.start * 1000), c.title) for c in mixed.timeline.chapters]
        assert [(round(c.start * 1000), c.title) for c in mp4.chapters] == expected  # Nero chpl
        with av.open(str(report.audio)) as container:
            got = [(c["start"] * c["time_base"] * 1000, c["metadata"]["title"]) for c in container.chapters()]
        assert [(round(t), title) for t, title in got] == expected


def test_m4a_stereo_bitrate_and_rate(tmp_path: Path) -> None:
    pytest.importorskip("av")
    from mutagen.mp4 import MP4

    script, mixed = episode(stereo=True, long_turn=False)
    settings = ExportSettings(format="m4a", bitrate_kbps=96, sample_rate=48000, sidecars=())
    report = export_episode(mixed, script, tmp_path / "episode", settings)
    assert report.audio == tmp_path / "episode.m4a" and report.paths == [report.audio]
    data, sr = decode_m4a(report.audio)
    assert sr == 48000 and data.shape[1] == 2
    assert data.shape[0] / sr == pytest.approx(mixed.timeline.duration, abs=0.05 + 1024 / sr)
    info = MP4(str(report.audio)).info
    assert info.channels == 2 and 0.7 * 96000 <= info.bitrate <= 1.1 * 96000
    assert report.loudness["integrated_lufs"] == pytest.approx(-16.0, abs=1.0)
    assert report.loudness["true_peak_dbtp"] <= -1.0
    with pytest.raises(ExportError, match="cannot be 44000 Hz"):
        export_episode(mixed, script, tmp_path / "bad.m4a", ExportSettings(sample_rate=44000))


def test_m4a_without_pyav_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    script, mixed = episode(long_turn=False)
    with pytest.raises(ExportError, match=r"install `voicer\[m4a\]` or export \.mp3"):
        export_episode(mixed, script, tmp_path / "ep.m4a")
    with pytest.raises(ExportError, match=r"voicer\[m4a\]"):
        export_episode(mixed, script, tmp_path / "ep", ExportSettings(format="m4a"))
    assert list(tmp_path.iterdir()) == []
