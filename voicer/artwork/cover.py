"""Cover art when the user has none: a square PNG with the show and episode title.

Apple Podcasts requires square JPEG or PNG artwork of 1400 to 3000 px; 1400 keeps the
MP3's APIC frame small. Drawn with Pillow in a CJK font (see `fonts`), so Mandarin
titles are characters, not boxes. The same show always gets the same palette.
"""

from __future__ import annotations

import functools
import hashlib
import io
import os
import re
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from voicer.errors import PreviewError
from voicer.fsutil import atomic_write_bytes

if TYPE_CHECKING:
    from PIL import ImageFont

MIN_SIZE, MAX_SIZE = 1400, 3000
_DATA = Path(__file__).resolve().parent / "data"
# A line may break before any Han character or full-width mark, or at a space.
_TOKEN_RE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]|[^\s\u2e80-\u9fff]+|\s+")

_NO_LINE_START = set("，。：；、！？）」』》〉,.:;!?)]")


@functools.lru_cache(maxsize=1)
def _palettes() -> list[dict[str, str]]:
    with open(_DATA / "cover.toml", "rb") as f:
        return tomllib.load(f)["palettes"]


def palette(key: str) -> dict[str, str]:
    """The palette for a show (stable across runs: a hash, not Python's salted hash())."""
    table = _palettes()
    return table[int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % len(table)]


@functools.lru_cache(maxsize=32)
def _font(px: int) -> ImageFont.FreeTypeFont:
    from PIL import ImageFont

    from voicer.artwork.fonts import find_cjk_font

    cjk = find_cjk_font()
    if cjk:
        return ImageFont.truetype(str(cjk.path), px, index=cjk.index)
    import matplotlib

    # DejaVu Sans ships with matplotlib: Latin titles still look right without a CJK font.
    return ImageFont.truetype(os.path.join(matplotlib.get_data_path(), "fonts/ttf/DejaVuSans.ttf"), px)


def wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Greedy line filling: Han characters break anywhere, Latin words only at spaces."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN_RE.findall(" ".join(text.split())):
        if token.isspace():
            line += " " if line else ""
            continue
        # Closing punctuation never starts a line (kinsoku): it may overhang slightly.
        if line and token not in _NO_LINE_START and font.getlength(line + token) > width:
            lines.append(line.rstrip())
            line = ""
        line += token
    if line.strip():
        lines.append(line.rstrip())
    return lines


def _fit_title(title: str, size: int, box_w: float, box_h: float) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest title font (down to 4% of the side) whose wrapped lines fit the box."""
    px = int(size * 0.11)
    while True:
        font = _font(px)
        lines = wrap(title, font, box_w)
        if (
            len(lines) * px * 1.3 <= box_h and all(font.getlength(x) <= box_w for x in lines)
        ) or px <= size * 0.04:
            return font, lines
        px = int(px * 0.9)


def draw_cover(
    title: str, show: str | None = None, *, episode: str | None = None, size: int = MIN_SIZE
) -> bytes:
    """PNG bytes of a square cover: show name above, the episode title large, the episode number below."""
    from PIL import Image, ImageDraw

    if not MIN_SIZE <= size <= MAX_SIZE:
        raise PreviewError(
            f"Cover size {size} px is outside Apple's 1400-3000 px; choose a size in that range."
        )
    colors = palette(show or title)
    image = Image.new("RGB", (size, size), colors["background"])
    draw = ImageDraw.Draw(image)
    margin = size * 0.09
    box_w = size - 2 * margin
    y = margin
    if show:
        small = _font(int(size * 0.05))
        for line in wrap(show, small, box_w)[:2]:
            draw.text((margin, y), line, font=small, fill=colors["accent"])
            y += size * 0.065
        y += size * 0.02
    draw.rectangle((margin, y, margin + size * 0.18, y + size * 0.012), fill=colors["accent"])
    y += size * 0.06
    bottom = size - margin - (size * 0.08 if episode else 0)
    font, lines = _fit_title(title or "Untitled", size, box_w, bottom - y)
    step = font.size * 1.3
    # A short title sits in the middle of the free space, not glued under the show name.
    y += max(0.0, (bottom - y - len(lines) * step) / 2)
    for line in lines:
        # A thin stroke in the text colour: a bolder title without needing a Bold font file.
        draw.text(
            (margin, y),
            line,
            font=font,
            fill=colors["text"],
            stroke_width=max(1, size // 700),
            stroke_fill=colors["text"],
        )
        y += step
    if episode:
        tag = _font(int(size * 0.045))
        draw.text((margin, size - margin - size * 0.05), f"# {episode}", font=tag, fill=colors["accent"])
    out = io.BytesIO()
    image.save(out, format="PNG")  # optimize=True would triple the time for ~10% less
    return out.getvalue()


def write_cover(
    path: str | os.PathLike[str],
    title: str,
    show: str | None = None,
    *,
    episode: str | None = None,
    size: int = MIN_SIZE,
) -> Path:
    """Draw a cover (`draw_cover`) and write it atomically as PNG; returns the path."""
    dest = Path(path)
    atomic_write_bytes(dest, draw_cover(title, show, episode=episode, size=size))
    return dest
