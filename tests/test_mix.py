"""mix: timeline layout, trimming, resampling, music, stereo and loudness on speech-like signals."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from voicer.errors import InputError, RenderError
from voicer.mix import MixSettings, mix
from voicer.mix.loudness import integrated_lufs, true_peak_dbtp
from voicer.mix.music import duck_gain
from voicer.mix.testsignal import speech_like, synthetic_episode, tone_music
from voicer.mix.timeline import trim_silence
from voicer.model import Script, TurnAudio, spoken_text

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "shared" / "transcripts"
SR = 44100


def dafei_lines(n: int, offset: int = 0) -> list[str]:
    lines = (TRANSCRIPTS / "dafei-monologue.zh.txt").read_text(encoding="utf-8").splitlines()
    return [x.strip() for x in lines if x.strip()][offset : offset + n]


def small_episode(**kw: object) -> tuple[Script, list[TurnAudio]]:
    lines = dafei_lines(7)
    texts = [
        [("A", lines[0]), ("A", lines[1] + "[笑]"), ("B", lines[2])],
        [("B", lines[3]), ("A", lines[4])],
        [("A", lines[5]), ("B", lines[6])],
    ]
    return synthetic_episode(texts, max_seconds=2.0, **kw)


def dominant_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    freqs = np.fft.rfftfreq(x.size, 1 / sr)
    band = (freqs > 60) & (freqs < 400)
    return float(freqs[band][np.argmax(spec[band])])


def test_pauses_follow_speaker_and_chapter_changes() -> None:
    script, audio = small_episode(sample_rates=(22050, 24000))
    settings = MixSettings(pause_same_speaker=0.2, pause_speaker_change=0.5, pause_chapter=1.5)
    mixed = mix(script, audio, settings)
    turns = mixed.timeline.turns
    assert len(turns) == 7
    entries = script.turns()
    tol = 1.5 / SR
    for prev, cur in zip(turns, turns[1:], strict=False):
        gap = cur.start - prev.end
        if cur.chapter != prev.chapter:
            assert gap == pytest.approx(1.5, abs=tol)
        elif cur.speaker != prev.speaker:
            assert gap == pytest.approx(0.5, abs=tol)
        else:
            assert gap == pytest.approx(0.2, abs=tol)
    for t, (ci, ti, turn) in zip(turns, entries, strict=True):
        assert (t.chapter, t.turn) == (ci, ti)
        assert t.text == spoken_text(turn.text) and "[" not in t.text
        assert t.name == script.host(turn.speaker).name
    assert turns[0].start == pytest.approx(settings.lead_in, abs=tol)
    assert mixed.sample_rate == SR
    assert mixed.timeline.duration == pytest.approx(mixed.samples.shape[0] / SR)
    assert mixed.timeline.duration == pytest.approx(turns[-1].end + settings.tail, abs=tol)


def test_chapters_start_at_first_turn_and_tile_the_episode() -> None:
    script, audio = small_episode()
    mixed = mix(script, audio)
    chapters = mixed.timeline.chapters
    assert [c.title for c in chapters] == [c.title for c in script.chapters]
    assert chapters[0].start == 0.0
    for ci in (1, 2):
        first = next(t for t in mixed.timeline.turns if t.chapter == ci)
        assert chapters[ci].start == first.start
    for a, b in zip(chapters, chapters[1:], strict=False):
        assert a.end == b.start
    assert chapters[-1].end == mixed.timeline.duration


def test_pause_after_overrides_default_gap() -> None:
    script, audio = small_episode()
    script.chapters[0].turns[0].pause_after = 2.25
    script.chapters[0].turns[2].pause_after = 0.1  # also overrides the chapter pause
    turns = mix(script, audio).timeline.turns
    assert turns[1].start - turns[0].end == pytest.approx(2.25, abs=1e-4)
    assert turns[3].start - turns[2].end == pytest.approx(0.1, abs=1e-4)


def test_turns_are_trimmed_resampled_and_placed_where_the_timeline_says() -> None:
    script, audio = small_episode(sample_rates=(22050, 24000, 16000))
    keep = 0.02
    mixed = mix(script, audio, MixSettings(trim_keep=keep, normalize=False))
    x = mixed.samples
    for t, a in zip(mixed.timeline.turns, audio, strict=True):
        raw_seconds = a.samples.size / a.sample_rate
        # speech_like pads 0.15 s of near-silence on each side: trimmed away (the
        # signal itself may also end in a short syllable gap, trimmed too).
        speech = raw_seconds - 0.3
        assert speech - 0.1 < t.end - t.start <= speech + 2 * keep + 1e-3
        seg = x[int(t.start * SR) : int(t.end * SR)]
        expected = 120.0 if t.speaker == "A" else 210.0
        assert dominant_hz(seg, SR) == pytest.approx(expected, rel=0.12)
    # Between turns: silence.
    for prev, cur in zip(mixed.timeline.turns, mixed.timeline.turns[1:], strict=False):
        gap = x[int(prev.end * SR) + 5 : int(cur.start * SR) - 5]
        assert gap.size > 0 and float(np.max(np.abs(gap))) < 1e-3


def test_trim_silence_keeps_margin_and_empties_silence() -> None:
    x = speech_like(1.0, 22050, pad=0.3)
    y = trim_silence(x, 22050, keep=0.01)
    assert y.size / 22050 == pytest.approx(1.0 + 0.02, abs=0.02)
    assert trim_silence(np.zeros(1000, np.float32), 22050).size == 0


def test_empty_turn_is_skipped_with_indices_kept() -> None:
    lines = dafei_lines(4)
    texts = [[("A", lines[0]), ("B", "[笑]"), ("B", lines[1])], [("A", ""), ("A", lines[2])]]
    script, audio = synthetic_episode(texts, max_seconds=1.5)
    mixed = mix(script, audio)
    got = [(t.chapter, t.turn) for t in mixed.timeline.turns]
    assert got == [(0, 0), (0, 2), (1, 1)]
    assert mixed.timeline.chapters[1].start == mixed.timeline.turns[2].start


def test_silent_turn_becomes_a_pause() -> None:
    lines = dafei_lines(2)
    script, audio = synthetic_episode(
        [[("A", lines[0]), ("A", "[pause 2s]"), ("A", lines[1])]], max_seconds=1.5
    )
    audio[1] = TurnAudio(0, 1, np.zeros(2 * 22050, np.float32), 22050)
    turns = mix(script, audio, MixSettings(pause_same_speaker=0.25)).timeline.turns
    assert len(turns) == 2
    assert turns[1].start - turns[0].end == pytest.approx(0.25 + 2.0, abs=1e-3)


def test_mismatched_audio_is_a_clear_error() -> None:
    script, audio = small_episode()
    with pytest.raises(RenderError, match="render the script again"):
        mix(script, audio[:-1])
    swapped = audio[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    with pytest.raises(RenderError, match="out of order"):
        mix(script, swapped)


@pytest.mark.parametrize(("stereo", "target"), [(False, -19.0), (True, -16.0)])
def test_default_loudness_targets(stereo: bool, target: float) -> None:
    script, audio = small_episode()
    mixed = mix(script, audio, MixSettings(stereo=stereo))
    assert mixed.samples.dtype == np.float32
    assert mixed.samples.ndim == (2 if stereo else 1)
    assert integrated_lufs(mixed.samples, SR) == pytest.approx(target, abs=0.1)
    assert true_peak_dbtp(mixed.samples, SR) <= -1.0
    assert mixed.loudness["integrated_lufs"] == pytest.approx(target, abs=0.1)
    assert mixed.loudness["target_lufs"] == target


def test_peaky_audio_is_limited_under_the_ceiling() -> None:
    script, audio = small_episode()
    for a in audio:  # clicks make the crest factor huge: gain alone would clip
        a.samples = a.samples.copy()
        a.samples[len(a.samples) // 2 :: 2000] = 0.99
    mixed = mix(script, audio, MixSettings(lufs=-16.0, true_peak=-1.5))
    assert true_peak_dbtp(mixed.samples, SR) <= -1.5
    assert mixed.loudness["limited"] == 1.0
    assert integrated_lufs(mixed.samples, SR) == pytest.approx(-16.0, abs=0.5)


def test_stereo_places_hosts_left_and_right() -> None:
    script, audio = small_episode()
    mixed = mix(script, audio, MixSettings(stereo=True, stereo_width=0.5))
    x = mixed.samples
    for t in mixed.timeline.turns:
        seg = x[int(t.start * SR) : int(t.end * SR)]
        left, right = (float(np.sqrt(np.mean(seg[:, ch] ** 2))) for ch in (0, 1))
        assert (left > 1.5 * right) if t.speaker == "A" else (right > 1.5 * left)


def _write_music(path: Path, seconds: float, channels: int = 2) -> Path:
    from pedalboard.io import AudioFile

    data = tone_music(seconds, 48000, channels=channels)
    with AudioFile(str(path), "w", 48000, channels, quality="192k" if path.suffix == ".mp3" else None) as f:
        f.write(np.ascontiguousarray(data.T if data.ndim == 2 else data[None, :]))
    return path


@pytest.mark.parametrize("ext", [".wav", ".mp3"])
def test_intro_and_outro_music_shift_speech_and_extend_the_end(tmp_path: Path, ext: str) -> None:
    script, audio = small_episode()
    plain = mix(script, audio)
    intro = _write_music(tmp_path / f"intro{ext}", 10.0)
    outro = _write_music(tmp_path / f"outro{ext}", 6.0)
    settings = MixSettings(intro=intro, outro=outro, intro_lead=4.0, outro_overlap=2.0)
    mixed = mix(script, audio, settings)
    shift = 4.0 - MixSettings().lead_in
    for a, b in zip(plain.timeline.turns, mixed.timeline.turns, strict=True):
        assert b.start == pytest.approx(a.start + shift, abs=1e-4)
        assert b.end == pytest.approx(a.end + shift, abs=1e-4)
    for a, b in zip(plain.timeline.chapters[1:], mixed.timeline.chapters[1:], strict=True):
        assert b.start == pytest.approx(a.start + shift, abs=1e-4)
    assert mixed.timeline.chapters[0].start == 0.0
    x = mixed.samples
    assert float(np.sqrt(np.mean(x[: 3 * SR] ** 2))) > 0.01  # music alone before speech
    last = mixed.timeline.turns[-1].end
    # Outro starts 2 s before the last word ends and plays to its end (MP3 decoders may add padding).
    assert mixed.timeline.duration == pytest.approx(last - 2.0 + 6.0, abs=0.1)
    assert float(np.sqrt(np.mean(x[int((last + 1.0) * SR) : int((last + 3.0) * SR)] ** 2))) > 0.01
    assert true_peak_dbtp(x, SR) <= -1.0


def test_music_is_ducked_under_speech() -> None:
    sr = 1000
    speech = [(3000, 6000)]
    gain = duck_gain(0, 10000, speech, sr, duck_db=-12.0, ramp=0.3)
    floor = 10 ** (-12 / 20)
    assert gain[500] == pytest.approx(1.0)
    assert gain[4500] == pytest.approx(floor, rel=1e-3)
    assert gain[9500] == pytest.approx(1.0)
    # Fully ducked by the time the voice starts, back up after it ends.
    assert gain[3000] < 0.6
    assert np.all(np.diff(gain[1000:3000]) <= 1e-6)


def test_stinger_plays_in_chapter_pause(tmp_path: Path) -> None:
    script, audio = small_episode()
    stinger = _write_music(tmp_path / "sting.wav", 1.0, channels=1)
    plain = mix(script, audio, MixSettings(pause_chapter=1.0))
    mixed = mix(script, audio, MixSettings(pause_chapter=1.0, stinger=stinger))
    # Every chapter boundary grows by the stinger's length; the sound sits in the gap.
    turns = mixed.timeline.turns
    for i in range(1, len(turns)):
        if turns[i].chapter != turns[i - 1].chapter:
            gap = turns[i].start - turns[i - 1].end
            assert gap == pytest.approx(1.0 + 1.0, abs=1e-3)
            mid = mixed.samples[int((turns[i - 1].end + 0.6) * SR) : int((turns[i].start - 0.6) * SR)]
            assert float(np.sqrt(np.mean(mid**2))) > 0.01
    assert mixed.timeline.duration == pytest.approx(plain.timeline.duration + 2 * 1.0, abs=1e-3)


def test_missing_music_file_is_a_clear_error(tmp_path: Path) -> None:
    script, audio = small_episode()
    with pytest.raises(InputError, match="does not exist"):
        mix(script, audio, MixSettings(intro=tmp_path / "nope.mp3"))
    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    with pytest.raises(InputError, match="Cannot read music file"):
        mix(script, audio, MixSettings(intro=bad))


def test_loudness_helpers_agree_with_pyloudnorm() -> None:
    import pyloudnorm

    # Our chunked BS.1770 meter matches pyloudnorm's reference implementation.
    for sr, seconds in ((SR, 5.0), (24000, 1.23), (22050, 12.7), (48000, 0.5)):
        x = speech_like(seconds, sr, seed=3)
        stereo = np.stack([x, 0.4 * x], axis=1)
        for sig in (x, stereo):
            assert integrated_lufs(sig, sr) == pytest.approx(
                pyloudnorm.Meter(sr).integrated_loudness(sig), abs=1e-5
            )
    assert math.isinf(integrated_lufs(np.zeros(SR, np.float32), SR))
    # A full-scale sine sampled off its crests: true peak finds the real 0 dBTP.
    t = np.arange(SR) / SR
    sine = np.sin(2 * np.pi * (SR / 4) * t + np.pi / 4).astype(np.float32)
    assert 20 * math.log10(float(np.max(np.abs(sine)))) == pytest.approx(-3.01, abs=0.05)
    assert true_peak_dbtp(sine * 0.999, SR) == pytest.approx(0.0, abs=0.3)


def _tone_amplitude(x: np.ndarray, sr: int, hz: float) -> float:
    """Amplitude of one sinusoid in `x` (projection on sin/cos at `hz`)."""
    t = np.arange(x.size) / sr
    return float(2 * abs(np.mean(x * np.exp(-2j * np.pi * hz * t))))


def test_intro_is_ducked_under_the_first_words(tmp_path: Path) -> None:
    script, audio = small_episode()
    intro = _write_music(tmp_path / "intro.wav", 12.0, channels=1)
    settings = MixSettings(intro=intro, intro_lead=4.0, intro_under=3.0, music_fade=1.0, duck_db=-12.0)
    mixed = mix(script, audio, settings)
    x = mixed.samples
    assert mixed.timeline.turns[0].start == pytest.approx(4.0, abs=1e-4)
    # The chord's 277.18 Hz note lies clear of both voices' harmonics: follow it alone.
    alone = _tone_amplitude(x[int(1.0 * SR) : int(3.0 * SR)], SR, 277.18)
    under = _tone_amplitude(x[int(4.4 * SR) : int(5.4 * SR)], SR, 277.18)
    after = _tone_amplitude(x[int(7.5 * SR) : int(9.5 * SR)], SR, 277.18)
    assert alone > 0.01
    assert under / alone == pytest.approx(10 ** (-12 / 20), rel=0.3)
    assert after < 0.04 * alone  # faded out and cut after intro_under (speech leaks a little)
