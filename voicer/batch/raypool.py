"""A turn pool on Ray: actors that each hold one loaded engine, on this machine or a cluster.

It plugs into render like any pool (`voicer.engines.pool`: `kind`, `workers`,
`run(jobs)`, `close()`), so a catalogue's turns from every episode share the actors.

- One actor per CPU (per GPU for an engine on an accelerator: GPU actors ask Ray
  for ``num_gpus=1``); each keeps its engine loaded for every turn it speaks.
- A turn runs through `voicer.engines.pool.run_job`, exactly as the local pools run
  it (seeded; for a "fresh-process" engine, in a fork of an actor that loaded the
  library but never spoke), so the samples equal a local render's.
- Results come back to the driver through Ray's object store, or, with
  `shared_cache`, the actor writes the turn into that cache folder (a path every node
  and the driver see) and only the key travels.
- A worker lost mid-turn (its process killed, its node gone) is restarted by Ray and
  the turn retried (`max_restarts` / `max_task_retries`); when retries run out the
  turn fails with a sentence, and the others go on.
"""

from __future__ import annotations

import os
import socket
from collections import deque
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicer.engines.pool import TurnJob, TurnResult, run_job

from .state import BatchError

if TYPE_CHECKING:
    from voicer.engines.base import Engine

IN_FLIGHT_PER_ACTOR = 2
"""Turns queued on each actor: the next one is already there when one finishes."""


def _check_reachable(address: str, timeout: float = 5.0) -> None:
    """A TCP connect to the cluster's address, so a wrong one fails in seconds, not minutes."""
    rest = address.split("://", 1)[-1].rstrip("/")
    default_port = 10001 if address.startswith("ray://") else 6379
    host, _, port = rest.rpartition(":") if ":" in rest else (rest, "", str(default_port))
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            return
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc) or "timed out"
        raise BatchError(
            f"Cannot reach the Ray cluster at {address} ({why}); start it with `ray start --head` "
            f"there or give the right --ray-address."
        ) from None


def connect(address: str | None = None, *, num_cpus: int | None = None) -> None:
    """Join the Ray cluster at `address` ("host:port", "ray://host:10001", "auto"), or start
    a local one (None). Raises BatchError, before any work, when that is not possible."""
    try:
        import ray
    except ImportError:
        raise BatchError("Ray is not installed; install it with pip install 'voicer[ray]'.") from None
    if address and address != "auto":
        _check_reachable(address)
    if ray.is_initialized():
        return
    options: dict[str, Any] = {"include_dashboard": False, "logging_level": "ERROR", "log_to_driver": False}
    if address:
        options["address"] = address
    elif num_cpus:
        options["num_cpus"] = num_cpus
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError, TimeoutError) as exc:
        where = f"at {address}" if address else "on this machine"
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0].rstrip(".")
        raise BatchError(f"Cannot start or join Ray {where} ({first}); check --ray-address.") from None


class EngineActor:
    """Holds one engine for the life of the actor (wrapped with ``ray.remote`` by `RayPool`)."""

    def __init__(self, engine: Engine, isolate: bool, shared_cache: str | None) -> None:
        self.engine, self.isolate = engine, isolate
        self.cache = None
        if shared_cache:
            from voicer.synth.cache import TurnCache

            self.cache = TurnCache(shared_cache)
        if isolate:  # load the library once here; each turn's fork inherits it unused
            try:
                engine.available()
            except Exception:
                pass  # the turns report the real error

    def speak(self, job: TurnJob) -> TurnResult:
        result = run_job(self.engine, job, self.isolate)
        if self.cache is not None and result.ok:
            self.cache.put(job.key, result.samples, result.sample_rate)  # type: ignore[arg-type]
            return TurnResult(job, None, result.sample_rate)  # the driver reads the shared cache
        return result

    def pid(self) -> int:
        return os.getpid()


class _Run:
    def __init__(self, pool: RayPool, jobs: Iterable[TurnJob]) -> None:
        self.cancelled = False
        self._it = pool._results(self, deque(jobs))

    def __iter__(self) -> Iterator[TurnResult]:
        return self._it

    def cancel(self) -> None:
        self.cancelled = True


class RayPool:
    """`workers` Ray actors, each holding one copy of `engine` (see the module docstring)."""

    kind = "ray"

    def __init__(
        self,
        engine: Engine,
        *,
        workers: int | None = None,
        isolate: bool | None = None,
        shared_cache: str | os.PathLike[str] | None = None,
        max_retries: int = 3,
    ) -> None:
        import ray

        traits = engine.traits
        on_gpu = traits.uses_gpu or getattr(engine, "device", "cpu") != "cpu"
        cpus = traits.threads_per_worker or 1
        options: dict[str, Any] = {
            "num_cpus": 0 if on_gpu else cpus,
            "num_gpus": 1 if on_gpu else 0,
            "max_restarts": max_retries,
            "max_task_retries": max_retries,
        }
        resources = ray.cluster_resources()
        fits = int(resources.get("GPU", 0)) if on_gpu else int(resources.get("CPU", 1)) // cpus
        if on_gpu and fits < 1:
            raise BatchError(
                "The engine runs on a GPU but the Ray cluster has none; add a GPU node or use --device cpu."
            )
        # More actors than the cluster can place would wait forever for resources.
        self.workers = max(1, min(workers or fits, fits))
        self.isolate = (traits.determinism == "fresh-process" if isolate is None else isolate) and hasattr(
            os, "fork"
        )
        self.shared_cache = Path(shared_cache).expanduser() if shared_cache else None
        remote = ray.remote(EngineActor).options(**options)
        cache = str(self.shared_cache) if self.shared_cache else None
        self.actors = [remote.remote(engine, self.isolate, cache) for _ in range(self.workers)]
        self.lost = 0
        """Turns whose worker was lost for good (after Ray's retries)."""
        self.load = [0] * self.workers
        """Turns submitted to each actor and not yet back."""

    def actor_pids(self) -> list[int]:
        import ray

        return ray.get([a.pid.remote() for a in self.actors])

    def run(self, jobs: Iterable[TurnJob]) -> _Run:
        return _Run(self, jobs)

    def _results(self, run: _Run, pending: deque[TurnJob]) -> Iterator[TurnResult]:
        import ray
        from ray.exceptions import ActorDiedError, RayError

        in_flight: dict[Any, tuple[TurnJob, int]] = {}
        load = self.load = [0] * len(self.actors)
        dead: set[int] = set()  # actors Ray gave up restarting: their share goes to the others
        while in_flight or (pending and not run.cancelled):
            if len(dead) == len(self.actors):
                for job in pending:
                    yield TurnResult(job, error="every Ray worker was lost and retries ran out")
                return
            for i, actor in enumerate(self.actors):
                while i not in dead and pending and not run.cancelled and load[i] < IN_FLIGHT_PER_ACTOR:
                    job = pending.popleft()
                    in_flight[actor.speak.remote(job)] = (job, i)
                    load[i] += 1
            ready, _ = ray.wait(list(in_flight), num_returns=1)
            for ref in ready:
                job, i = in_flight.pop(ref)
                load[i] -= 1
                try:
                    result = ray.get(ref)
                except RayError as exc:
                    self.lost += 1
                    if isinstance(exc, ActorDiedError):
                        dead.add(i)
                    why = f"the Ray worker was lost and retries ran out ({type(exc).__name__})"
                    yield TurnResult(job, error=why)
                    continue
                yield self._from_shared(result) if result.ok and result.samples is None else result

    def _from_shared(self, result: TurnResult) -> TurnResult:
        from voicer.synth.cache import TurnCache

        hit = TurnCache(self.shared_cache).get(result.job.key) if self.shared_cache else None
        if hit is None:
            return TurnResult(
                result.job,
                error=f"the turn a Ray worker wrote is not in {self.shared_cache}; "
                f"give a --shared-cache folder that every node and this machine see",
            )
        return TurnResult(result.job, hit[0], hit[1])

    def close(self) -> None:
        import ray

        for actor in self.actors:
            try:
                ray.kill(actor)
            except Exception:
                pass  # already gone
        self.actors = []

    def __enter__(self) -> RayPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
