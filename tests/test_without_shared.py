"""Issue 15, item 14: a clone without ../shared runs the suite; the tests that need the
real transcripts skip with that reason (the conftest), the others run."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _clone(tmp_path: Path) -> Path:
    """tests/, examples/ and pyproject.toml in a folder with no ../shared beside it."""
    repo = tmp_path / "clone" / "repo"
    repo.mkdir(parents=True)
    shutil.copytree(REPO / "tests", repo / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "examples", repo / "examples")
    shutil.copy(REPO / "pyproject.toml", repo / "pyproject.toml")
    assert not (repo.parent / "shared").exists()
    return repo


def _pytest(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, VOICER_CACHE_DIR=str(repo / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        capture_output=True, text=True, cwd=repo, env=env, timeout=900,
    )  # fmt: skip


def test_the_whole_suite_collects_without_shared(tmp_path: Path) -> None:
    proc = _pytest(_clone(tmp_path), "--collect-only")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "error" not in proc.stdout.splitlines()[-1], proc.stdout[-2000:]
    assert re.search(r"\d{3,} tests collected", proc.stdout), proc.stdout[-500:]


def test_tests_needing_shared_skip_with_the_reason_and_the_others_pass(tmp_path: Path) -> None:
    repo = _clone(tmp_path)
    proc = _pytest(repo, "-rs", "tests/test_text.py", "tests/test_render_cache.py", "-m", "not slow")
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:]
    passed = int(re.search(r"(\d+) passed", out).group(1))  # type: ignore[union-attr]
    skipped = int(re.search(r"(\d+) skipped", out).group(1))  # type: ignore[union-attr]
    assert passed >= 10 and skipped >= 3, out[-1500:]
    assert "../shared/transcripts), which is not here" in out
