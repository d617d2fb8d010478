"""mix: synthesized turns -> one mastered episode (`Mixed`) with its `Timeline`.

Steps: trim + resample every turn, lay the turns out with pauses (integer
samples), allocate the episode buffer once and write speech, music and stingers
into it, then master to the loudness target with a true-peak ceiling.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass

import numpy as np

from voicer.errors import RenderError
from voicer.mix.loudness import Meter, master, measure, measure_file
from voicer.mix.music import duck_gain, fade, load_music
from voicer.mix.timeline import Layout, layout, resample, trim_silence
from voicer.model import Mixed, Script, TimedChapter, TimedTurn, Timeline, TurnAudio, spoken_text
from voicer.ranges import MAX_EPISODE_HOURS, check_range

__all__ = [
    "Meter",
    "MixError",
    "MixSettings",
    "check_length",
    "default_lufs",
    "measure",
    "measure_file",
    "mix",
]

PathLike = str | os.PathLike[str]


@dataclass
class MixSettings:
    """Every knob of the mix. Times in seconds, levels in dB/LU."""

    sample_rate: int = 44100
    stereo: bool = False
    """Mono by default; stereo places the two hosts gently left and right."""
    stereo_width: float = 0.3
    """Pan position of each host, 0 = centre, 1 = hard left/right."""
    pause_same_speaker: float = 0.25
    pause_speaker_change: float = 0.45
    pause_chapter: float = 1.2
    lead_in: float = 0.3
    """Silence before the first word when there is no intro music."""
    tail: float = 1.0
    """Silence after the last word (or the outro's end, whichever is later)."""
    trim_threshold_db: float = -40.0
    """Silence threshold for trimming each turn, relative to the turn's peak."""
    trim_keep: float = 0.02
    intro: PathLike | None = None
    outro: PathLike | None = None
    stinger: PathLike | None = None
    """Short sound played in the pause between chapters."""
    intro_lead: float = 4.0
    """Seconds of intro music alone before speech starts."""
    intro_under: float = 3.0
    """Seconds the intro keeps playing (ducked) under speech before it has faded out."""
    outro_overlap: float = 2.0
    """Outro music starts this long before the last word ends."""
    music_fade: float = 1.5
    music_level_lu: float = -6.0
    """Music loudness relative to speech when it plays alone."""
    stinger_level_lu: float = -4.0
    duck_db: float = -12.0
    """Extra music attenuation while someone speaks."""
    duck_ramp: float = 0.35
    lufs: float | None = None
    """Integrated loudness target; None = -16 LUFS stereo, -19 LUFS mono."""
    true_peak: float = -1.0
    """True-peak ceiling in dBTP."""
    limiter_margin_db: float = 0.5
    """The limiter aims this far under the ceiling (lossy encoding adds overshoot)."""
    normalize: bool = True
    max_hours: float = 6.0
    """Longest episode rendered: the episode is held in memory (about 0.6 GB per hour at
    44.1 kHz mono), so a longer one is refused before synthesis with this limit."""

    def __post_init__(self) -> None:
        # Shared by the CLI and the API: a value that would give a silent, clipped or broken
        # episode is refused with the allowed range before any synthesis.
        for what, value, low, high, unit in (
            ("The sample rate (--sample-rate)", self.sample_rate, 8000, 192000, "Hz"),
            ("The loudness target (--lufs)", -23.0 if self.lufs is None else self.lufs, -40, -9, "LUFS"),
            ("The true-peak ceiling (--true-peak)", self.true_peak, -20, 0, "dBTP"),
            ("The stereo width", self.stereo_width, 0, 1, ""),
            ("The pause within a speaker", self.pause_same_speaker, 0, 30, "seconds"),
            ("The pause at a speaker change", self.pause_speaker_change, 0, 30, "seconds"),
            ("The pause between chapters", self.pause_chapter, 0, 60, "seconds"),
            ("The lead-in", self.lead_in, 0, 60, "seconds"),
            ("The tail", self.tail, 0, 60, "seconds"),
            ("The trim threshold", self.trim_threshold_db, -120, 0, "dB"),
            ("The silence kept when trimming", self.trim_keep, 0, 5, "seconds"),
            ("The intro lead", self.intro_lead, 0, 120, "seconds"),
            ("The intro under speech", self.intro_under, 0, 120, "seconds"),
            ("The outro overlap", self.outro_overlap, 0, 120, "seconds"),
            ("The music fade", self.music_fade, 0, 60, "seconds"),
            ("The music level", self.music_level_lu, -60, 20, "LU"),
            ("The stinger level", self.stinger_level_lu, -60, 20, "LU"),
            ("The ducking", self.duck_db, -80, 0, "dB"),
            ("The ducking ramp", self.duck_ramp, 0, 10, "seconds"),
            ("The limiter margin", self.limiter_margin_db, 0, 6, "dB"),
            ("The longest episode", self.max_hours, 0.01, MAX_EPISODE_HOURS, "hours"),
        ):
            check_range(what, value, low, high, unit=unit, error=MixError, integer=unit == "Hz")


class MixError(RenderError):
    """A mix setting out of range, or an episode too long to mix."""


def check_length(script: Script, settings: MixSettings, words_per_second: float) -> None:
    """MixError when the script would make an episode longer than `settings.max_hours`,
    estimated from its words before any synthesis (the mix holds the episode in memory)."""
    from voicer.model import word_count

    words = sum(word_count(turn.text) for _, _, turn in script.turns())
    hours = words / max(words_per_second, 0.1) / 3600
    if hours > settings.max_hours:
        raise MixError(
            f"This script would make an episode of about {hours:.0f} hours; voicer renders at most "
            f"{settings.max_hours:g} hours at a time: split the transcript into parts."
        )


def default_lufs(stereo: bool) -> float:
    return -16.0 if stereo else -19.0


def _check_audio(script: Script, audio: list[TurnAudio]) -> None:
    expected = script.turns()
    if len(audio) != len(expected):
        raise RenderError(
            f"Got audio for {len(audio)} turns but the script has {len(expected)}; render the script again."
        )
    for (ci, ti, _), a in zip(expected, audio, strict=True):
        if (a.chapter, a.turn) != (ci, ti):
            raise RenderError(
                f"Audio for chapter {a.chapter + 1}, turn {a.turn + 1} is out of order; "
                "render the script again."
            )


def _pan_gains(host_index: int, width: float) -> tuple[float, float]:
    pan = -width if host_index == 0 else width if host_index == 1 else 0.0
    angle = (pan + 1.0) * math.pi / 4.0  # constant-power pan law
    return math.cos(angle), math.sin(angle)


def _relative_gain(music: np.ndarray, sample_rate: int, speech_lufs: float, level_lu: float) -> float:
    """Linear gain that puts `music` at `level_lu` relative to the speech loudness."""
    from voicer.mix.loudness import integrated_lufs

    lufs = integrated_lufs(music, sample_rate)
    if not math.isfinite(lufs):
        # Too short for a gated measurement (e.g. a stinger): use RMS as an estimate.
        rms = float(np.sqrt(np.mean(np.square(music, dtype=np.float64)))) if music.size else 0.0
        if rms <= 0:
            return 0.0
        lufs = 20.0 * math.log10(rms) - 0.691
    if not math.isfinite(speech_lufs):
        speech_lufs = -23.0
    return 10.0 ** ((speech_lufs + level_lu - lufs) / 20.0)


def mix(script: Script, audio: list[TurnAudio], settings: MixSettings = MixSettings()) -> Mixed:  # noqa: B008
    """Build the episode: one `Mixed` at `settings.sample_rate`, mastered, with its timeline."""
    _check_audio(script, audio)
    sr = settings.sample_rate
    channels = 2 if settings.stereo else 1
    entries = script.turns()

    # 1. Trim at the engine rate (views, no copies); lengths at the episode rate are
    # known in advance, so each turn is resampled straight into the episode buffer.
    trimmed: list[tuple[np.ndarray, int]] = []
    rows: list[tuple[int, str, float | None, int, int]] = []
    for (ci, _, turn), a in zip(entries, audio, strict=True):
        raw = np.asarray(a.samples, dtype=np.float32)
        raw = raw.mean(axis=1) if raw.ndim == 2 else raw.reshape(-1)  # engines should give mono
        x = trim_silence(raw, a.sample_rate, settings.trim_threshold_db, settings.trim_keep)
        length = int(round(x.size * sr / a.sample_rate))
        silent = int(round(raw.size * sr / a.sample_rate)) if length == 0 else 0
        trimmed.append((x, a.sample_rate))
        rows.append((ci, turn.speaker, turn.pause_after, length, silent))

    intro = load_music(settings.intro, sr, channels) if settings.intro else None
    outro = load_music(settings.outro, sr, channels) if settings.outro else None
    stinger = load_music(settings.stinger, sr, channels) if settings.stinger else None

    # 2. Layout in integer samples. Intro music shifts all speech (and chapter times).
    if intro is not None:
        start = min(int(round(settings.intro_lead * sr)), intro.shape[0])
    else:
        start = int(round(settings.lead_in * sr))
    plan = layout(
        rows,
        sr,
        start=start,
        pause_same=settings.pause_same_speaker,
        pause_change=settings.pause_speaker_change,
        pause_chapter=settings.pause_chapter,
        stinger_length=0 if stinger is None else stinger.shape[0],
    )
    total = plan.speech_end + int(round(settings.tail * sr))
    outro_at = 0
    if outro is not None:
        outro_at = max(plan.speech_start, plan.speech_end - int(round(settings.outro_overlap * sr)))
        total = max(total, outro_at + outro.shape[0])

    _check_total(total, sr, settings)
    # 3. One allocation; speech written in place.
    buf = np.zeros((total, channels) if channels == 2 else total, dtype=np.float32)
    host_index = {h.id: k for k, h in enumerate(script.hosts)}
    for p in plan.placements:
        src, src_rate = trimmed[p.index]
        x = resample(src, src_rate, sr)[: p.length]  # soxr may give one sample less
        end = p.start + x.size
        if channels == 1:
            buf[p.start : end] = x
        else:
            left, right = _pan_gains(host_index.get(entries[p.index][2].speaker, -1), settings.stereo_width)
            buf[p.start : end, 0] = x * left
            buf[p.start : end, 1] = x * right

    # 4. Music, levelled against a sample of the speech, ducked under it.
    if intro is not None or outro is not None or stinger is not None:
        _mix_music(buf, plan, sr, settings, (intro, outro, stinger), start, outro_at)

    # 5. Master.
    if settings.normalize:
        target = settings.lufs if settings.lufs is not None else default_lufs(settings.stereo)
        buf, figures = master(
            buf,
            sr,
            target_lufs=target,
            ceiling_dbtp=settings.true_peak,
            limiter_margin_db=settings.limiter_margin_db,
        )
        figures["target_lufs"] = target
        figures["ceiling_dbtp"] = settings.true_peak  # export checks the encoded file against it
    else:
        figures = measure(buf, sr)

    return Mixed(samples=buf, sample_rate=sr, timeline=_timeline(script, plan, total, sr), loudness=figures)


def _check_total(total: int, sr: int, settings: MixSettings) -> None:
    """MixError before the one allocation when the episode is longer than `settings.max_hours`."""
    if total > settings.max_hours * 3600 * sr:
        raise MixError(
            f"The episode would be {total / sr / 3600:.1f} hours long; voicer mixes at most "
            f"{settings.max_hours:g} hours at a time: split the transcript into parts."
        )


def _mix_music(
    buf: np.ndarray,
    plan: Layout,
    sr: int,
    settings: MixSettings,
    music: tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None],
    start: int,
    outro_at: int,
) -> None:
    """Intro, outro and stingers added into `buf`, levelled against the speech and ducked under it."""
    from voicer.mix.loudness import integrated_lufs

    intro, outro, stinger = music
    sample_end = min(plan.speech_end, plan.speech_start + 120 * sr)
    speech_lufs = integrated_lufs(buf[plan.speech_start : sample_end], sr)
    spans = [(p.start, p.start + p.length) for p in plan.placements]
    if intro is not None:
        keep = min(intro.shape[0], start + int(round(settings.intro_under * sr)))
        part = fade(intro[:keep], sr, fade_in=0.02, fade_out=min(settings.music_fade, keep / sr))
        _add_music(buf, part, 0, spans, sr, settings, speech_lufs, settings.music_level_lu)
    if outro is not None:
        part = fade(outro, sr, fade_in=settings.music_fade, fade_out=settings.music_fade)
        _add_music(buf, part, outro_at, spans, sr, settings, speech_lufs, settings.music_level_lu)
    if stinger is not None:
        part = fade(stinger, sr, fade_in=0.01, fade_out=0.05)
        for at in plan.stingers:
            _add_music(buf, part, at, [], sr, settings, speech_lufs, settings.stinger_level_lu)


def _add_music(
    buf: np.ndarray,
    music: np.ndarray,
    at: int,
    spans: list[tuple[int, int]],
    sr: int,
    settings: MixSettings,
    speech_lufs: float,
    level_lu: float,
) -> None:
    length = min(music.shape[0], buf.shape[0] - at)
    if length <= 0:
        return
    gain = _relative_gain(music, sr, speech_lufs, level_lu)
    env = duck_gain(at, length, spans, sr, settings.duck_db, settings.duck_ramp) * np.float32(gain)
    if music.ndim == 2:
        env = env[:, None]
    buf[at : at + length] += music[:length] * env


def _timeline(script: Script, plan: Layout, total: int, sr: int) -> Timeline:
    entries = script.turns()
    names = {h.id: h.name for h in script.hosts}
    turns: list[TimedTurn] = []
    first: dict[int, int] = {}
    for p in plan.placements:
        ci, ti, turn = entries[p.index]
        first.setdefault(ci, p.start)
        turns.append(
            TimedTurn(
                chapter=ci,
                turn=ti,
                speaker=turn.speaker,
                name=names.get(turn.speaker, turn.speaker),
                text=spoken_text(turn.text),
                start=p.start / sr,
                end=(p.start + p.length) / sr,
            )
        )
    # A chapter without speech starts where the next spoken chapter starts (zero length).
    starts: list[int] = [0] * len(script.chapters)
    following = total
    for ci in range(len(script.chapters) - 1, -1, -1):
        following = first.get(ci, following)
        starts[ci] = following
    if starts:
        starts[0] = 0  # the first chapter covers any intro music
    chapters = [
        TimedChapter(
            title=ch.title,
            start=starts[ci] / sr,
            end=(starts[ci + 1] if ci + 1 < len(starts) else total) / sr,
        )
        for ci, ch in enumerate(script.chapters)
    ]
    return Timeline(chapters=chapters, turns=turns, duration=total / sr)
