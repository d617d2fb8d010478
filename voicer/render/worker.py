"""Synthesis worker process: ``python -m voicer.render.worker``.

Why a plain subprocess rather than multiprocessing: spawn/forkserver re-import the
caller's ``__main__`` (a user script without an ``if __name__ == "__main__"``
guard would render itself recursively), and fork copies whatever the caller did
before (locks held by a progress-bar thread; eSpeak state left by earlier
synthesis). A fresh interpreter started with ``-m`` has none of that.

Protocol: the parent writes length-prefixed pickles to stdin: first
``("init", engine, mode, cache_dir)``, then ``("job", job, gap)`` per turn; EOF
ends the worker once running turns are done. For each job the worker stores the
audio in the cache and writes one JSON line to stdout:
``{"index": i, "ok": true}`` or ``{"index": i, "ok": false, "error": "..."}``.

Modes: "fork" (stateful engines): the worker loads the engine's library without
synthesizing and forks one child per turn (any number at once), so every turn
starts from the same state (see `isolated.py`); "direct": the worker keeps the
engine (a loaded model) and synthesizes turns one after another.
"""

from __future__ import annotations

import json
import os
import pickle
import selectors
import signal
import struct
import sys
from typing import Any, BinaryIO

_HEADER = struct.Struct("<Q")
_MAX_LINE = 3000  # < PIPE_BUF (4096): a line written by one child is never interleaved


def write_frame(stream: BinaryIO, obj: Any) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        part = os.read(fd, n - len(buf))
        if not part:
            return None
        buf += part
    return bytes(buf)


def _read_frame(fd: int) -> Any | None:
    head = _read_exact(fd, _HEADER.size)
    if head is None:
        return None
    data = _read_exact(fd, _HEADER.unpack(head)[0])
    return None if data is None else pickle.loads(data)


def _report(out_fd: int, index: int, error: str | None) -> None:
    msg: dict[str, Any] = {"index": index, "ok": error is None}
    if error is not None:
        msg["error"] = error[:_MAX_LINE]
    line = (json.dumps(msg, ensure_ascii=True) + "\n").encode("ascii")
    os.write(out_fd, line[: _MAX_LINE + 200])


def _do_job(engine: Any, cache: Any, job: Any, gap: float, isolate: bool) -> str | None:
    """Synthesize and cache one turn; the error text, or None."""
    from .isolated import seed_engine
    from .runner import _error_text, _synthesize_chunks

    try:
        if isolate:
            seed_engine(engine)
        samples, rate = _synthesize_chunks(engine, job.chunks, job.voice, job.language, gap)
        cache.put(job.key, samples, rate)
    except Exception as e:
        return _error_text(e)
    return None


def main() -> int:
    # Ctrl-C reaches the whole process group: end quietly, the parent reports it.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    in_fd = sys.stdin.fileno()
    # Keep the real stdout for the protocol only; engines that print (Coqui does)
    # write to stderr instead of corrupting it.
    out_fd = os.dup(sys.stdout.fileno())
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    init = _read_frame(in_fd)
    if init is None or init[0] != "init":
        return 2
    _, engine, mode, cache_dir = init
    from .cache import TurnCache

    cache = TurnCache(cache_dir)
    if mode != "fork":
        while (msg := _read_frame(in_fd)) is not None:
            _, job, gap = msg
            _report(out_fd, job.index, _do_job(engine, cache, job, gap, isolate=False))
        engine.close()
        return 0

    try:
        engine.available()  # load the library once; children inherit it, unused
    except Exception:
        pass  # the children report the real error per turn
    children: dict[int, int] = {}  # pid -> job index

    def reap(block: bool) -> None:
        while children:
            pid, status = os.waitpid(-1, 0 if block else os.WNOHANG)
            if pid == 0:
                return
            index = children.pop(pid, None)
            if index is not None and status != 0:
                # The child died before reporting (a crash in the engine's library).
                why = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"status {status}"
                _report(out_fd, index, f"the engine crashed on this text ({why})")
            if block:
                return

    sel = selectors.DefaultSelector()
    sel.register(in_fd, selectors.EVENT_READ)
    while True:
        ready = sel.select(timeout=0.05)
        reap(block=False)
        if not ready:
            continue
        msg = _read_frame(in_fd)
        if msg is None:
            break
        _, job, gap = msg
        pid = os.fork()
        if pid == 0:  # child: one turn, from the parent's never-used engine state
            code = 0
            try:
                _report(out_fd, job.index, _do_job(engine, cache, job, gap, isolate=True))
            except BaseException:
                code = 1
            finally:
                os._exit(code)
        children[pid] = job.index
    while children:
        reap(block=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
