"""The catalogue's state file and the lock on its output folder.

``<out>/.voicer-batch.json`` records, per episode, the hashes of its input file and of
its settings, and what was written. A later run skips an episode whose hashes match
and whose audio file is still there. Written atomically after every episode, so a
killed batch loses nothing already finished.

``<out>/.voicer-batch.lock``: two batches writing the same folder would interleave
episodes, state and feed; the second one stops at once with a sentence instead.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voicer.errors import VoicerError
from voicer.fsutil import atomic_write_text

STATE_NAME = ".voicer-batch.json"
LOCK_NAME = ".voicer-batch.lock"
STATE_VERSION = 1


class BatchError(VoicerError):
    """The catalogue as a whole cannot run (folder locked, cluster unreachable...)."""


def file_hash(path: Path) -> str:
    """sha256 of a file's bytes (OSError if it cannot be read)."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def settings_hash(settings: dict[str, Any]) -> str:
    """sha256 of the canonical JSON of everything that changes an episode's files."""
    text = json.dumps(settings, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class BatchState:
    path: Path
    episodes: dict[str, dict[str, Any]] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path) -> BatchState:
        """The folder's state; a missing or unreadable file is an empty state (all episodes re-render)."""
        path = folder / STATE_NAME
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls(path)
        if not isinstance(doc, dict) or doc.get("version") != STATE_VERSION:
            return cls(path)
        episodes = doc.get("episodes")
        return cls(path, episodes if isinstance(episodes, dict) else {})

    def is_done(self, name: str, input_hash: str, config_hash: str) -> bool:
        entry = self.episodes.get(name)
        if not entry or entry.get("status") != "done":
            return False
        audio = self.path.parent / str(entry.get("audio", ""))
        return (
            entry.get("input_hash") == input_hash
            and entry.get("settings_hash") == config_hash
            and audio.is_file()
        )

    def record(self, name: str, **entry: Any) -> None:
        self.episodes[name] = entry
        self.save()

    def save(self) -> None:
        doc = {"version": STATE_VERSION, "episodes": self.episodes}
        atomic_write_text(self.path, json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n")


class FolderLock:
    """An exclusive, non-blocking lock on the output folder (released when the process ends)."""

    def __init__(self, folder: Path) -> None:
        from filelock import FileLock

        self.path = folder / LOCK_NAME
        self._lock = FileLock(str(self.path), timeout=0)

    def __enter__(self) -> FolderLock:
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise BatchError(
                f"Another voicer batch is writing {self.path.parent} (lock {self.path.name}); "
                f"wait for it to finish or use another output folder."
            ) from None
        return self

    def __exit__(self, *exc: object) -> None:
        self._lock.release()
