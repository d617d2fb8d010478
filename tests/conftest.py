"""Tests that need the real transcripts in ../shared/transcripts skip, with that reason,
when the folder is not beside the repository (a plain clone); every other test runs.

Three layers, so no test file has to remember it:
- the `shared_transcripts` fixture gives the folder or skips;
- a test (or one of its fixtures, or a parameter) that names the shared transcripts
  (SHARED, MONOLOGUE, INTERVIEW, TRANSCRIPTS...) is marked skip at collection;
- a module that reads them at import, or a test that still opens one, is skipped instead of
  failing with FileNotFoundError.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED_TRANSCRIPTS = REPO.parent / "shared" / "transcripts"
MISSING = not SHARED_TRANSCRIPTS.is_dir()
REASON = f"needs the real transcripts in {SHARED_TRANSCRIPTS} (../shared/transcripts), which is not here"

_NAMES_RE = re.compile(
    r"\b(?:SHARED|MONOLOGUE|INTERVIEW|TRANSCRIPTS|shared_transcripts)\b|shared/transcripts"
)


def _is_shared(path: object) -> bool:
    if not isinstance(path, str | Path):
        return False
    p = Path(path)
    return "shared" in p.parts and ("transcripts" in p.parts or p.name == "shared")


@pytest.fixture(autouse=True)
def _model_punctuation(monkeypatch: pytest.MonkeyPatch) -> None:
    """`auto` punctuation means the language model when its extra is installed (as it is here),
    and that reads ~200 tokens a second: the other tests use the rules and the veto model; the
    language model's tests (test_punctlm.py) ask for it by name."""
    monkeypatch.setenv("VOICER_PUNCTUATION", "model")


@pytest.fixture(scope="session")
def shared_transcripts() -> Path:
    """The folder of real transcripts; the test skips when it is missing."""
    if MISSING:
        pytest.skip(REASON)
    return SHARED_TRANSCRIPTS


def _source(obj: Any) -> str:
    try:
        return inspect.getsource(obj)
    except (OSError, TypeError):
        return ""


def _mentions_shared(func: Any, depth: int = 2) -> bool:
    """`func`'s source names the shared transcripts, or a helper of its module it calls does."""
    source = _source(func)
    if _NAMES_RE.search(source):
        return True
    if depth == 0:
        return False
    module = inspect.getmodule(func)
    for name in set(re.findall(r"\b([A-Za-z_]\w*)\(", source)):
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper is not func and helper.__module__ == func.__module__:
            if _mentions_shared(helper, depth - 1):
                return True
    return False


def _needs_shared(item: pytest.Item) -> bool:
    func = getattr(item, "function", None)
    if func is not None and _mentions_shared(func):
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is not None and any(_is_shared(v) for v in callspec.params.values()):
        return True
    info = getattr(item, "_fixtureinfo", None)
    seen: set[str] = set()
    todo = list(getattr(info, "names_closure", []) or [])
    while todo:  # the fixtures it uses, and theirs
        name = todo.pop()
        if name in seen or name == "shared_transcripts":
            continue
        seen.add(name)
        for fixdef in (info.name2fixturedefs.get(name) or ()) if info is not None else ():
            if _mentions_shared(fixdef.func):
                return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not MISSING:
        return
    skip = pytest.mark.skip(reason=REASON)
    for item in items:
        if _needs_shared(item):
            item.add_marker(skip)


class _SharedModule(pytest.Module):
    """A test module that reads a shared transcript at import is skipped, not an error."""

    def _getobj(self) -> Any:
        try:
            return super()._getobj()
        except FileNotFoundError as exc:
            if MISSING and _is_shared(exc.filename or ""):
                pytest.skip(REASON, allow_module_level=True)
            raise


def pytest_pycollect_makemodule(module_path: Path, parent: pytest.Collector) -> pytest.Module | None:
    if MISSING:
        return _SharedModule.from_parent(parent, path=module_path)
    return None


def _skip_if_shared_missing(exc: BaseException) -> None:
    if MISSING and isinstance(exc, FileNotFoundError) and _is_shared(exc.filename or ""):
        pytest.skip(REASON)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except FileNotFoundError as exc:
        _skip_if_shared_missing(exc)
        raise


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        return (yield)
    except FileNotFoundError as exc:
        _skip_if_shared_missing(exc)
        raise
