"""Synthesize one turn in a fresh fork, so its audio does not depend on history.

Measured on eSpeak NG 1.52 (espeakng-loader 0.2.4), same text and voice:
- the library seeds its noise generator from the clock at initialization: two
  processes give different samples (same length) unless the seed is set with
  ``espeak_ng_SetRandSeed``;
- even with the seed set before every call, a call's output depends on what the
  process synthesized before (lengths drift by up to ~1.6%, samples differ from
  the first ~0.1 s on); ``espeak_Terminate`` + ``espeak_Initialize`` does not
  reset it.
So a stateful engine speaks each turn in a child forked from a worker that has
loaded the library but never synthesized, with the seed fixed: the same turn
gives the same samples in any process, with any number of workers, on resume.
Cost, measured on the interview transcript (scripts/bench_render.py): ~23 ms per
turn (fork, the engine re-initializing in the child, voice load), i.e. 1.8x the bare
eSpeak calls, which are very fast; small next to any neural engine.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import signal
from collections.abc import Callable
from typing import Any, TypeVar

from ..errors import EngineError, VoicerError

T = TypeVar("T")

RAND_SEED = 0


def seed_engine(engine: Any, seed: int = RAND_SEED) -> None:
    """Fix the engine's random state before a turn.

    Engines may offer ``seed(n)``; for the offline engine (eSpeak NG) the
    library's own generator is seeded directly until the engine does it itself.
    """
    own = getattr(engine, "seed", None)
    if callable(own):
        own(seed)
        return
    if getattr(engine, "name", "") != "offline":
        return
    import ctypes

    import espeakng_loader

    engine.available()  # initializes the library in this process (that reseeds it from the clock)
    lib = ctypes.CDLL(espeakng_loader.get_library_path())  # the same handle the engine loaded
    setter = getattr(lib, "espeak_ng_SetRandSeed", None)
    if setter is not None:
        setter.argtypes = [ctypes.c_long]
        setter.restype = None
        setter(seed)


def run_isolated(fn: Callable[[], T]) -> T:
    """Run `fn` in a forked child and return its result (exceptions come back as
    `EngineError` with the child's message; a crash of the child is reported,
    not fatal)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: never returns
        code = 0
        try:
            os.close(read_fd)
            try:
                result: tuple[str, Any] = ("ok", fn())
            except BaseException as e:  # everything goes back to the parent as text
                result = ("error", str(e) if isinstance(e, VoicerError) else f"{type(e).__name__}: {e}")
            data = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_fd, "wb") as f:
                f.write(data)
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        with os.fdopen(read_fd, "rb") as f:
            data = f.read()
    finally:
        _, status = os.waitpid(pid, 0)
    if not data:
        if os.WIFSIGNALED(status):
            sig = os.WTERMSIG(status)
            with contextlib.suppress(ValueError):
                sig = signal.Signals(sig).name  # type: ignore[assignment]
            raise EngineError(f"The engine crashed ({sig}) on this text.")
        raise EngineError(f"The engine's process ended without a result (exit status {status}).")
    kind, payload = pickle.loads(data)
    if kind == "error":
        raise EngineError(payload)
    return payload
