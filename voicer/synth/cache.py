"""Content-addressed cache of synthesized turns.

Key: sha256 of a canonical JSON of everything that changes a turn's audio
(engine identity for the voice, language, the prepared chunks, the gap between
chunks, and `CACHE_FORMAT_VERSION`). An entry is an uncompressed ``.npz`` holding
the samples and the sample rate. Samples are stored as int16 when that is
exactly the float32 input (eSpeak's output: half the size), else as float32, so
a read always gives back the very samples that were written. ``.npz`` rather
than FLAC because FLAC stores integers only: float32 from neural engines would
not survive it sample-exact. The zip's CRC makes a damaged entry fail to load;
such an entry is treated as a miss and rewritten.

Writes go to a temp file in the entry's folder and are renamed into place
(`voicer.fsutil.atomic_path`), so a killed render or two renders sharing the
cache never leave a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import RenderError
from ..fsutil import atomic_path

CACHE_FORMAT_VERSION = 1
"""Bump when the entry format or what goes into a turn's audio changes."""

CACHE_ENV = "VOICER_CACHE_DIR"
_SUFFIX = ".npz"


def default_cache_dir() -> Path:
    """``$VOICER_CACHE_DIR`` if set, else the user cache dir's ``voicer/turns``."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicer")) / "turns"


def cache_key(identity: dict[str, Any], language: str, chunks: Sequence[str], gap: float = 0.0) -> str:
    """sha256 hex digest of the canonical JSON of what makes a turn's audio."""
    payload = {
        "format": CACHE_FORMAT_VERSION,
        "engine": identity,
        "language": language,
        "chunks": list(chunks),
        "gap": round(float(gap), 6),
    }
    # sort_keys + fixed separators: the same content always gives the same bytes.
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _as_exact_int16(samples: np.ndarray) -> np.ndarray | None:
    """The int16 samples that decode to exactly `samples`, or None when there are none."""
    if samples.size == 0:
        return samples.astype(np.int16)
    scaled = samples.astype(np.float32) * np.float32(32768.0)
    ints = np.rint(scaled)
    if ints.min() < -32768 or ints.max() > 32767 or not np.array_equal(ints, scaled):
        return None
    return ints.astype(np.int16)


class TurnCache:
    """A folder of turn entries: ``<dir>/<key[:2]>/<key>.npz``."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, *, create: bool = True) -> None:
        self.directory = Path(directory).expanduser() if directory is not None else default_cache_dir()
        if not create:  # read-only use (dry run): a missing folder is an empty cache
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise RenderError(
                f"Cannot create the render cache folder {self.directory} ({e.strerror}); "
                f"pass another one with --cache-dir or {CACHE_ENV}."
            ) from e

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}{_SUFFIX}"

    def get(self, key: str) -> tuple[np.ndarray, int] | None:
        """(float32 samples, sample rate), or None for a missing or unreadable entry."""
        path = self.path(key)
        try:
            with np.load(path, allow_pickle=False) as data:
                raw = data["samples"]
                rate = int(data["sample_rate"])
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            return None  # damaged: a miss; the next put() replaces it
        if raw.ndim != 1 or rate <= 0:
            return None
        if raw.dtype == np.int16:
            samples = raw.astype(np.float32) / np.float32(32768.0)
        elif raw.dtype == np.float32:
            samples = raw
        else:
            return None
        return np.ascontiguousarray(samples, dtype=np.float32), rate

    def put(self, key: str, samples: np.ndarray, sample_rate: int) -> Path:
        """Store one entry atomically; returns its path."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        exact = _as_exact_int16(samples)
        stored = exact if exact is not None else samples
        path = self.path(key)
        with atomic_path(path) as tmp, open(tmp, "wb") as f:
            np.savez(f, samples=stored, sample_rate=np.int64(sample_rate))
        return path

    def __contains__(self, key: str) -> bool:
        return self.path(key).is_file()

    def entries(self) -> list[Path]:
        """Every complete entry (temp files of writes in progress are not listed)."""
        return [p for p in self.directory.glob(f"??/*{_SUFFIX}") if not p.name.startswith(".")]

    def remove_stale_temps(self, older_than: float = 3600.0) -> int:
        """Delete temp files left by killed renders: their writer's pid is gone, or (no pid
        in the name) they are older than `older_than` seconds."""
        from ..fsutil import is_stale_temp

        removed = 0
        for p in self.directory.glob("??/.*"):
            if is_stale_temp(p, older_than):
                try:
                    p.unlink()
                    removed += 1
                except OSError:
                    continue  # another render removed or replaced it
        return removed
