"""Find a font with CJK glyphs, so Chinese titles are drawn as characters, not boxes ("tofu").

Order: ``$VOICER_CJK_FONT`` (a font file), then the system fonts matplotlib finds whose
family is in ``data/fonts.toml``, then a pip package that ships one (``voicer[cjk]``
installs mplfonts' Noto Sans CJK SC). Nothing is downloaded. When none is found the
picture and cover are still drawn, and `missing_font_note` says how to get one.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from voicer.errors import PreviewError

_DATA = Path(__file__).resolve().parent / "data"
ENV = "VOICER_CJK_FONT"
# Characters every CJK candidate must have: common Han in titles, and a CJK comma.
_PROBE = "中文标题第一章，"


@dataclass(frozen=True)
class CJKFont:
    path: Path
    family: str
    """The family name matplotlib knows it by."""
    index: int
    """Face index inside a .ttc/.otc collection (Pillow needs it); 0 for a single font."""
    source: str
    """Where it was found: "$VOICER_CJK_FONT", "system" or "package NAME"."""


@functools.lru_cache(maxsize=1)
def _table() -> dict:
    with open(_DATA / "fonts.toml", "rb") as f:
        return tomllib.load(f)


def missing_font_note() -> str:
    return (
        "No font with Chinese glyphs was found, so Chinese text is drawn as boxes; install one "
        "(Debian/Ubuntu: apt install fonts-noto-cjk; or pip install 'voicer[cjk]') "
        f"or set {ENV} to a .otf/.ttf/.ttc file."
    )


def _faces(path: Path) -> list[str]:
    """Family names of the faces in a font file, in face-index order (fontTools reads the names)."""
    from fontTools.ttLib import TTCollection, TTFont

    try:
        with open(path, "rb") as f:
            collection = f.read(4) == b"ttcf"
        if collection:
            fonts = list(TTCollection(str(path), lazy=True).fonts)
        else:
            fonts = [TTFont(str(path), lazy=True)]
    except Exception as exc:  # fontTools raises many kinds for a non-font file
        raise PreviewError(
            f"{path} is not a font file ({exc}); point {ENV} at a .otf, .ttf or .ttc."
        ) from exc
    return [str(f["name"].getBestFamilyName()) for f in fonts]


def _has_cjk(path: Path, index: int) -> bool:
    from fontTools.ttLib import TTFont

    cmap = TTFont(str(path), fontNumber=index, lazy=True).getBestCmap() or {}
    return all(ord(ch) in cmap for ch in _PROBE)


def _pick_face(path: Path, source: str) -> CJKFont | None:
    """The Simplified Chinese face of a collection when there is one, else the first with CJK glyphs."""
    faces = _faces(path)
    order = sorted(range(len(faces)), key=lambda i: (not faces[i].endswith(" SC"), i))
    for i in order:
        if _has_cjk(path, i):
            from matplotlib import font_manager

            font_manager.fontManager.addfont(str(path))
            return CJKFont(path, faces[i], i, source)
    return None


def _from_env() -> CJKFont | None:
    value = os.environ.get(ENV, "").strip()
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_file():
        raise PreviewError(f"{ENV}={value} is not a file; point it at a .otf, .ttf or .ttc font.")
    font = _pick_face(path, f"${ENV}")
    if font is None:
        raise PreviewError(f"{path} has no Chinese glyphs; point {ENV} at a CJK font such as Noto Sans CJK.")
    return font


def _from_system() -> CJKFont | None:
    from matplotlib import font_manager

    by_family: dict[str, Path] = {}
    # Regular weight first, so a Bold file of the same family is only a fallback.
    entries = sorted(font_manager.fontManager.ttflist, key=lambda e: abs(_weight(e.weight) - 400))
    for entry in entries:
        by_family.setdefault(entry.name, Path(entry.fname))
    for family in _table()["families"]:
        path = by_family.get(family)
        if path and path.is_file():
            faces = _faces(path)
            if family in faces and _has_cjk(path, faces.index(family)):
                return CJKFont(path, family, faces.index(family), "system")
    return None


def _weight(value: int | str) -> int:
    return value if isinstance(value, int) else {"normal": 400, "regular": 400, "bold": 700}.get(value, 500)


def _from_packages() -> CJKFont | None:
    for pkg in _table()["packages"]:
        try:
            spec = importlib.util.find_spec(pkg["name"])  # finds it without importing it
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            continue
        path = Path(list(spec.submodule_search_locations)[0]) / pkg["file"]
        if path.is_file():
            font = _pick_face(path, f"package {pkg['name']}")
            if font:
                return font
    return None


@functools.lru_cache(maxsize=1)
def find_cjk_font() -> CJKFont | None:
    """The CJK font to draw with, or None (then `missing_font_note` says how to get one)."""
    return _from_env() or _from_system() or _from_packages()


def families() -> list[str]:
    """matplotlib's font.family list: the CJK font first (it has Latin too), DejaVu Sans as fallback."""
    font = find_cjk_font()
    return [font.family, "DejaVu Sans"] if font else ["DejaVu Sans"]


def has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)
