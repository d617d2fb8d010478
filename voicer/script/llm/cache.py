"""Answers cached by content: the same server model, prompt, input and settings give
the same answer without calling the server again. The API key is never part of it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from voicer.fsutil import atomic_write_text

CACHE_VERSION = 1
"""Bump when what goes into a request (or how an answer is used) changes."""


def request_key(request: dict[str, Any]) -> str:
    payload = {"v": CACHE_VERSION, **request}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class AnswerCache:
    def __init__(self, directory: Path, enabled: bool = True) -> None:
        self.directory = directory
        self.enabled = enabled
        self.hits = 0

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> str | None:
        if not self.enabled:
            return None
        try:
            entry = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # missing or damaged: ask the server again
        if not isinstance(entry, dict) or not isinstance(entry.get("content"), str):
            return None
        self.hits += 1
        return entry["content"]

    def put(self, key: str, content: str, meta: dict[str, Any]) -> None:
        if self.enabled:
            entry = {"content": content, **meta}
            atomic_write_text(self._path(key), json.dumps(entry, ensure_ascii=False, indent=1))
