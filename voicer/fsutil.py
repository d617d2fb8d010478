"""Atomic file writes: a reader never sees a half-written file at the destination."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

_PID_END = "-"
_OLD_ENOUGH = 3600.0
"""Seconds after which a temp file without a pid in its name is taken for abandoned."""


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (owned by someone else)
    return True


def is_stale_temp(path: Path, older_than: float = _OLD_ENOUGH) -> bool:
    """True for a temp file (`.NAME.PID-xxxxxxxx.SUFFIX`) whose writer is gone: its pid is not
    running (a killed run), or it carries no pid and is older than `older_than` seconds."""
    import re
    import time

    m = re.search(rf"\.(\d+){_PID_END}[a-z0-9_]+(\.[^.]+)?$", path.name)
    try:
        if m:
            return not _running(int(m.group(1)))
        return path.stat().st_mtime < time.time() - older_than
    except OSError:
        return False


def remove_stale_temps(dest: str | os.PathLike[str]) -> int:
    """Delete the temp files a killed run left beside `dest` (``.NAME.*``); the number removed."""
    dest = Path(dest)
    removed = 0
    for p in dest.parent.glob(f".{glob_escape(dest.name)}.*"):
        if is_stale_temp(p):
            with contextlib.suppress(OSError):  # another run removed it first
                p.unlink()
                removed += 1
    return removed


def glob_escape(name: str) -> str:
    import glob

    return glob.escape(name)


@contextlib.contextmanager
def atomic_path(dest: str | os.PathLike[str], suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path beside `dest`; on success it is renamed onto `dest`.

    The temp file lives in the same directory so the final `os.replace` is atomic.
    `suffix` defaults to the destination's suffix, so encoders that look at the
    extension (e.g. ".mp3") pick the right format.
    """
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(dest)
    # The writer's pid is in the name, so a later run can tell a killed run's leftovers
    # from a write in progress.
    fd, tmp = tempfile.mkstemp(
        prefix=f".{dest.name}.{os.getpid()}{_PID_END}",
        suffix=dest.suffix if suffix is None else suffix,
        dir=dest.parent,
    )
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes 0600 files; published episodes and feeds must be readable like any new file.
    umask = os.umask(0)
    os.umask(umask)
    tmp_path.chmod(0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(dest: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(dest) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(dest: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(dest, text.encode("utf-8"))
