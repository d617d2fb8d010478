"""Prompts as data: ``data/<lang>.toml``, overridable key by key with ``--llm-prompts DIR``."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from voicer.errors import LLMError

_DATA = Path(__file__).resolve().parent / "data"


def _merge(base: dict[str, Any], override: dict[str, Any], where: str, path: Path) -> dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if key not in base:
            raise LLMError(
                f"{path}: unknown prompt key '{where}{key}'; use the keys of the bundled {path.name}."
            )
        if isinstance(base[key], dict):
            if not isinstance(value, dict):
                raise LLMError(f"{path}: '{where}{key}' must be a table like the bundled one.")
            out[key] = _merge(base[key], value, f"{where}{key}.", path)
        elif type(value) is not type(base[key]) and not (
            isinstance(base[key], float) and isinstance(value, int)
        ):
            raise LLMError(f"{path}: '{where}{key}' must be a {type(base[key]).__name__}.")
        else:
            out[key] = value
    return out


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except tomllib.TOMLDecodeError as error:
        raise LLMError(f"{path} is not valid TOML ({error}); fix the prompt file.") from None


def load_prompts(language: str, folder: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """The prompt table for "zh" or "en", with `folder`/<lang>.toml laid over it."""
    lang = "en" if language == "en" else "zh"
    table = _read(_DATA / f"{lang}.toml")
    if folder is not None:
        directory = Path(folder).expanduser()
        if not directory.is_dir():
            raise LLMError(
                f"--llm-prompts {directory} is not a folder; give a folder holding zh.toml / en.toml."
            )
        own = directory / f"{lang}.toml"
        if own.is_file():
            table = _merge(table, _read(own), "", own)
    return table


def fill(template: str, where: str, **fields: Any) -> str:
    """`template` with its {placeholders} filled; a wrong placeholder is the user's to fix."""
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as error:
        raise LLMError(
            f"The prompt '{where}' uses an unknown placeholder or a stray brace ({error}); "
            f"use {', '.join('{' + k + '}' for k in sorted(fields))} and write literal braces as {{{{ }}}}."
        ) from None
