"""The episode picture: a timeline PNG drawn with matplotlib.

One lane per speaker with each turn as a bar, chapter boundaries as vertical lines with
their titles above, and the loudness curve (BS.1770 loudness of 3 s windows) beneath with
the target. Titles are set in a CJK font (`fonts`), so Mandarin chapters are readable.
matplotlib is imported inside the functions: `import voicer` stays light.
"""

from __future__ import annotations

import functools
import math
import tomllib
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicer.errors import PreviewError
from voicer.fsutil import atomic_path
from voicer.preview.episode import Episode

if TYPE_CHECKING:
    import numpy as np

_DATA = Path(__file__).resolve().parent / "data"
DPI = 100
WIDTH_IN = 12.0


@functools.lru_cache(maxsize=1)
def style() -> dict[str, Any]:
    with open(_DATA / "style.toml", "rb") as f:
        return tomllib.load(f)


def speaker_colors(speakers: list[str]) -> dict[str, str]:
    palette = style()["speakers"]
    return {name: palette[i % len(palette)] for i, name in enumerate(speakers)}


@dataclass
class Geometry:
    """Where time lies in the written PNG, so a page (or a test) can map pixels to seconds."""

    width: int
    height: int
    x0: float
    """Pixel column of 0 s."""
    x1: float
    """Pixel column of the episode's end."""
    duration: float
    lanes: tuple[float, float]
    """Pixel rows (top, bottom) of the speaker lanes."""
    curve: tuple[float, float]
    """Pixel rows (top, bottom) of the loudness plot."""

    def x(self, seconds: float) -> float:
        return self.x0 + (self.x1 - self.x0) * seconds / self.duration


def decode(audio: Path) -> tuple[np.ndarray, int]:
    """Mono float32 samples of an episode file (pedalboard; AAC only where the OS decodes it)."""
    import numpy as np
    from pedalboard.io import AudioFile

    try:
        with AudioFile(str(audio)) as f:
            data, sr = f.read(f.frames), int(f.samplerate)
    except Exception as exc:  # pedalboard raises RuntimeError/ValueError for formats it cannot read
        raise PreviewError(f"Cannot decode {audio.name} here ({exc}); preview an MP3, WAV or FLAC.") from exc
    return np.asarray(data, dtype=np.float32).mean(axis=0), sr


def loudness_curve(
    samples: np.ndarray, sample_rate: int, window: float = 3.0, points: int = 600
) -> tuple[list[float], list[float]]:
    """(window centres in s, loudness in LUFS; NaN for silence) over at most `points` windows."""
    from voicer.mix.loudness import integrated_lufs

    n = samples.shape[0]
    duration = n / sample_rate
    hop = max(0.5, duration / points)
    times, values = [], []
    t = 0.0
    while t < max(duration - window, 0.0) + 1e-9:
        a = int(t * sample_rate)
        value = integrated_lufs(samples[a : a + int(window * sample_rate)], sample_rate)
        times.append(t + min(window, duration) / 2)
        values.append(value if math.isfinite(value) else math.nan)
        t += hop
    return times, values


def _clock(seconds: float, _pos: object = None) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def _tick_step(duration: float) -> float:
    """Seconds between time ticks: a round step (5 s ... 30 min) giving at most ~12 ticks."""
    steps = (5, 10, 15, 30, 60, 120, 300, 600, 900, 1800)
    return float(next((s for s in steps if duration / s <= 12), 3600))


def _fit(title: str, pixels: float, font_px: float) -> str:
    """Cut a title to about `pixels` wide (Han characters 1 em, others ~0.6 em), with an ellipsis."""
    out, used = "", 0.0
    for ch in title:
        w = font_px * (1.0 if ord(ch) > 0x2E80 else 0.6)
        if used + w > pixels:
            return out.rstrip() + "…" if out else ""
        out, used = out + ch, used + w
    return out


def _lanes(ax: Any, ep: Episode, colors: dict[str, str]) -> None:
    names = ep.speakers or ["(no speakers)"]
    for i, name in enumerate(names):
        bars = [(t.start, t.end - t.start) for t in ep.turns if t.speaker == name]
        ax.broken_barh(bars, (i - 0.32, 0.64), facecolors=colors.get(name, "#999999"))
    ax.set_yticks(range(len(names)), names)
    for label in ax.get_yticklabels():
        label.set_parse_math(False)  # a "$" in a name is text, not mathtext
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    if not ep.turns:
        ax.text(
            0.5, 0.5, "no speaker turns (no transcript)", transform=ax.transAxes, ha="center", va="center"
        )


def _chapters(fig: Any, axes: list[Any], ep: Episode, duration: float) -> None:
    from matplotlib.transforms import blended_transform_factory

    color = style()["chapter"]
    top = axes[0]
    width_px = top.get_position().width * fig.get_figwidth() * DPI
    font_px = 10 * DPI / 72
    starts = [c.start for c in ep.chapters] + [duration]
    trans = blended_transform_factory(top.transData, top.transAxes)
    for i, ch in enumerate(ep.chapters):
        for ax in axes:
            ax.axvline(ch.start, color=color, linewidth=2.0, zorder=5)
        # Titles alternate between two rows: each may run until the next title on its own row.
        room = (starts[min(i + 2, len(starts) - 1)] - ch.start) / duration * width_px - 6
        label = _fit(f"{i + 1}. {ch.title}", room, font_px)
        row = (
            1.04
            if i % 2 == 0
            else 1.04 + 1.6 * font_px / (top.get_position().height * fig.get_figheight() * DPI)
        )
        top.text(
            ch.start,
            row,
            label,
            transform=trans,
            fontsize=10,
            color=color,
            ha="left",
            va="bottom",
            clip_on=False,
            parse_math=False,
        )


def _curve(ax: Any, ep: Episode, curve: tuple[list[float], list[float]] | None) -> None:
    st = style()
    target = ep.loudness.get("target_lufs")
    if curve is None or not curve[0]:
        ax.text(0.5, 0.5, "loudness curve not available", transform=ax.transAxes, ha="center", va="center")
        ax.set_yticks([])
        return
    times, values = curve
    ax.plot(times, values, color=st["loudness"], linewidth=1.2)
    finite = [v for v in values if v == v] + ([target] if target is not None else [])
    low, high = (min(finite), max(finite)) if finite else (-40.0, -10.0)
    ax.set_ylim(max(-70.0, low - 4), min(0.0, high + 4))
    if target is not None:
        ax.axhline(target, color=st["target"], linestyle="--", linewidth=1)
    parts = [
        f"{k} {ep.loudness[key]:.1f}"
        for k, key in (
            ("integrated LUFS", "integrated_lufs"),
            ("target", "target_lufs"),
            ("true peak dBTP", "true_peak_dbtp"),
        )
        if ep.loudness.get(key) is not None
    ]
    ax.set_ylabel("LUFS (3 s)")
    if parts:
        ax.set_title(" · ".join(parts), fontsize=9, loc="right", color=st["loudness"])
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def draw_picture(ep: Episode, out: Path, curve: tuple[list[float], list[float]] | None = None) -> Geometry:
    """Write the timeline PNG of `ep` to `out` (atomically); returns where time lies in it."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter, MultipleLocator

    from voicer.artwork.fonts import families

    duration = ep.duration or max([t.end for t in ep.turns] + [c.end for c in ep.cues] + [1.0])
    lanes = max(2, len(ep.speakers))
    height = 1.3 + 0.45 * lanes + 1.8
    with rc_context({"font.family": families(), "axes.titlesize": 9}):
        fig = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        FigureCanvasAgg(fig)
        grid = fig.add_gridspec(
            2,
            1,
            height_ratios=[0.45 * lanes, 1.8],
            hspace=0.35,
            left=0.14,
            right=0.98,
            top=1 - 1.05 / height,
            bottom=0.5 / height,
        )
        top = fig.add_subplot(grid[0])
        bottom = fig.add_subplot(grid[1], sharex=top)
        fig.suptitle(
            ep.title, x=0.02, ha="left", fontsize=13, y=1 - 0.12 / height, va="top", parse_math=False
        )
        colors = speaker_colors(ep.speakers)
        _lanes(top, ep, colors)
        _curve(bottom, ep, curve)
        top.set_xlim(0, duration)
        top.tick_params(axis="x", labelbottom=False)
        bottom.xaxis.set_major_locator(MultipleLocator(_tick_step(duration)))
        bottom.xaxis.set_major_formatter(FuncFormatter(_clock))
        _chapters(fig, [top, bottom], ep, duration)
        w, h = int(WIDTH_IN * DPI), int(round(height * DPI))
        with atomic_path(out, suffix=".png") as tmp, warnings.catch_warnings():
            # Without a CJK font matplotlib warns once per glyph; the caller prints one note instead.
            warnings.filterwarnings("ignore", message="Glyph .* missing from font")
            fig.savefig(tmp, format="png", dpi=DPI)
        pt, pb = top.get_position(), bottom.get_position()
    return Geometry(
        w,
        h,
        pt.x0 * w,
        pt.x1 * w,
        duration,
        ((1 - pt.y1) * h, (1 - pt.y0) * h),
        ((1 - pb.y1) * h, (1 - pb.y0) * h),
    )
