"""Render a catalogue: every episode of a folder or manifest into one output folder.

Order of work:
1. checks that concern the whole run (feed options, the Ray cluster, the folder
   lock) fail at once with a sentence, before any work;
2. each episode is prepared (input hashed, script made, voices checked): a
   problem fails that episode only; an episode whose input and settings hashes
   match the state file, and whose audio is still there, is skipped;
3. the turns of up to `group_size` episodes go to one pool together (one loaded
   model stays busy across episode boundaries; identical turns are spoken once;
   the turn cache is shared), while the previous group is mixed and exported in a
   background thread;
4. the state file is updated after every episode, and the feed at the end.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voicer.errors import VoicerError

from .manifest import Catalogue, EpisodeSpec, load_catalogue
from .progress import BatchCallback, BatchEvent
from .state import BatchError, BatchState, FolderLock, file_hash, settings_hash

if TYPE_CHECKING:
    from voicer.export import ExportSettings
    from voicer.mix import MixSettings
    from voicer.model import Script
    from voicer.synth import ProgressEvent, RenderOutcome, RenderSettings

PathLike = str | os.PathLike[str]
FEED_NAME = "feed.xml"


@dataclass
class BatchSettings:
    """How a catalogue is rendered (per-episode fields come from the manifest)."""

    render: RenderSettings | None = None
    """Engine, device, workers, cache... (keep_going is always on: a failed turn fails its episode)."""
    mix: MixSettings | None = None
    export: ExportSettings | None = None
    ray: bool = False
    """Run turns on Ray actors (a local Ray unless `ray_address`)."""
    ray_address: str | None = None
    ray_cpus: int | None = None
    """CPUs of a local Ray (default: all)."""
    shared_cache: PathLike | None = None
    """Ray actors write turns here (a folder every node and this machine see) instead of
    sending them back through Ray."""
    group_size: int = 8
    """Episodes whose turns are scheduled together (bounds memory: their audio is held until mixed)."""
    force: bool = False
    """Render every episode even when the state file says it is done."""
    mix_threads: int = 1
    """Episodes mixed and encoded at the same time (in threads of this process)."""
    feed: dict[str, Any] | None = None
    """`voicer feed` options (title, base_url, author, owner_email, image...); None: no feed."""
    index: bool = False
    """Also write a preview page per episode and ``index.html`` linking them and the feed."""


@dataclass
class EpisodeReport:
    name: str
    input: Path
    status: str
    """"done", "skipped" or "failed"."""
    message: str | None = None
    audio: Path | None = None
    seconds: float = 0.0


@dataclass
class BatchReport:
    episodes: list[EpisodeReport]
    feed: Path | None = None
    index: Path | None = None
    elapsed: float = 0.0
    pool: str = ""
    workers: int = 0

    def count(self, status: str) -> int:
        return sum(1 for e in self.episodes if e.status == status)

    @property
    def failed(self) -> list[EpisodeReport]:
        return [e for e in self.episodes if e.status == "failed"]


@dataclass
class _Ready:
    """An episode prepared for rendering."""

    spec: EpisodeSpec
    script: Script
    out: Path
    input_hash: str
    config_hash: str
    chars: dict[tuple[int, int], int] = field(default_factory=dict)


def run_batch(
    source: Catalogue | PathLike,
    out_dir: PathLike,
    settings: BatchSettings | None = None,
    progress: BatchCallback | None = None,
) -> BatchReport:
    """Render every episode of `source` (a folder of transcripts, a .csv/.toml manifest, or a
    `Catalogue`) into `out_dir`, then write `out_dir/feed.xml` when feed options are given.

    Raises `BatchError` (or another `VoicerError`) only for problems of the whole run;
    an episode's own problem is reported in its `EpisodeReport` and the others go on."""
    settings = settings or BatchSettings()
    if settings.group_size < 1:
        raise BatchError(f"Use a group size of one episode or more (got {settings.group_size}).")
    if settings.ray:  # an unreachable cluster is found before anything is read or written
        from .raypool import connect

        connect(settings.ray_address, num_cpus=settings.ray_cpus)
    catalogue = source if isinstance(source, Catalogue) else load_catalogue(source)
    out = Path(out_dir).expanduser()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BatchError(f"Cannot create the output folder {out} ({exc.strerror}); pick another.") from None
    feed = {**catalogue.feed, **settings.feed} if settings.feed is not None else dict(catalogue.feed)
    if feed:
        from voicer.feed import check_feed_options

        check_feed_options(out, **feed)
    with FolderLock(out):
        return _Batch(catalogue, out, settings, progress).run(feed or None)


class _Batch:
    def __init__(
        self, catalogue: Catalogue, out: Path, settings: BatchSettings, progress: BatchCallback | None
    ) -> None:
        from voicer.engines import get_engine, load_voices
        from voicer.export import ExportSettings
        from voicer.mix import MixSettings
        from voicer.synth import RenderSettings
        from voicer.text import load_lexicon

        self.catalogue, self.out, self.settings = catalogue, out, settings
        self.render = replace(settings.render or RenderSettings(), keep_going=True)
        self.mix = settings.mix or MixSettings()
        self.export = settings.export or ExportSettings()
        self.state = BatchState.load(out)
        self.voices = load_voices(tuple(self.render.voices_dir))
        self.engine = get_engine(
            self.render.engine,
            device=self.render.device,
            voices=self.voices,
            agree_coqui_license=self.render.agree_coqui_license,
        )
        self.lexicon = load_lexicon(list(self.render.lexicon) or None)
        self.reports: list[EpisodeReport] = []
        self.track = _Tracker(len(catalogue.episodes), progress)
        self.inputs = {spec.input.resolve() for spec in catalogue.episodes}

    # ------------------------------------------------------------ whole run

    def run(self, feed: dict[str, Any] | None) -> BatchReport:
        self.track.emit("start", message=getattr(self.engine, "note", None) or None)  # which engine, why
        pool_kind, workers = "none", 0
        try:
            ready = [r for spec in self.catalogue.episodes if (r := self._prepare(spec)) is not None]
            self.track.chars_total = sum(sum(r.chars.values()) for r in ready)
            if ready:
                pool = self._open_pool()
                pool_kind, workers = pool.kind, pool.workers
                try:
                    self._render_all(ready, pool)
                finally:
                    pool.close()
        finally:
            self.engine.close()
        order = {spec.name: n for n, spec in enumerate(self.catalogue.episodes)}
        self.reports.sort(key=lambda r: order.get(r.name, len(order)))  # catalogue order
        report = BatchReport(self.reports, elapsed=self.track.elapsed(), pool=pool_kind, workers=workers)
        if feed and any(r.status in ("done", "skipped") for r in self.reports):
            from voicer.feed import write_feed

            report.feed = write_feed(self.out, self.out / FEED_NAME, **feed)
        if self.settings.index and any(r.status in ("done", "skipped") for r in self.reports):
            from voicer.preview import write_index

            title = feed.get("title") if feed else None
            report.index = write_index(self.out, FEED_NAME if report.feed else None, title=title)
        self.track.emit("finish")
        return report

    def _open_pool(self) -> Any:
        if self.settings.ray:
            from .raypool import RayPool

            return RayPool(
                self.engine,
                workers=self.render.workers,
                isolate=self.render.isolate,
                shared_cache=self.settings.shared_cache,
            )
        from voicer.engines.pool import open_pool

        return open_pool(self.engine, workers=self.render.workers, isolate=self.render.isolate)

    def _render_all(self, ready: list[_Ready], pool: Any) -> None:
        """Groups of episodes through one pool; each group is mixed and exported in a
        background thread while the next one is synthesized."""
        from voicer.synth import render_scripts

        size = self.settings.group_size
        pending: list[tuple[_Ready, Future[EpisodeReport]]] = []
        with ThreadPoolExecutor(self.settings.mix_threads, thread_name_prefix="voicer-mix") as mixer:
            for start in range(0, len(ready), size):
                group = ready[start : start + size]
                self.track.group = group
                try:
                    outcomes = render_scripts(
                        [r.script for r in group],
                        engine=self.engine,
                        voices=self.voices,
                        settings=self.render,
                        progress=self.track.turn,
                        lexicon=self.lexicon,
                        pool=pool,
                    )
                except VoicerError as exc:  # e.g. a voice that does not fit the engine
                    outcomes = [exc] * len(group)
                for item, outcome in zip(group, outcomes, strict=True):
                    pending.append((item, mixer.submit(self._finish, item, outcome)))
                pending = self._collect(pending, wait=False)
            self._collect(pending, wait=True)

    def _collect(
        self, pending: list[tuple[_Ready, Future[EpisodeReport]]], *, wait: bool
    ) -> list[tuple[_Ready, Future[EpisodeReport]]]:
        """Record finished episodes in order (state file, progress); the rest stay pending."""
        while pending and (wait or pending[0][1].done()):
            item, future = pending.pop(0)
            try:
                report = future.result()
            except Exception as exc:  # an episode's mix/export bug must not end the catalogue
                report = EpisodeReport(item.spec.name, item.spec.input, "failed", _sentence(exc))
            self._record(item, report)
        return pending

    # ----------------------------------------------------------- one episode

    def _prepare(self, spec: EpisodeSpec) -> _Ready | None:
        """The episode ready to render, or None when it is skipped or failed (reported here)."""
        from voicer.engines import get_voice
        from voicer.preflight import check_outputs_first, check_script

        out = self.out / f"{spec.name}.mp3"
        try:
            if spec.problem:
                raise BatchError(spec.problem)
            try:
                input_hash = file_hash(spec.input)
            except OSError as exc:
                raise BatchError(
                    f"Cannot read {spec.input} ({exc.strerror}); fix the path in the manifest."
                ) from None
            config_hash = settings_hash(self._config(spec))
            if not self.settings.force and self.state.is_done(spec.name, input_hash, config_hash):
                entry = self.state.episodes[spec.name]
                self._report(
                    EpisodeReport(
                        spec.name, spec.input, "skipped", None, out, float(entry.get("seconds", 0.0))
                    )
                )
                return None
            export = self._export(spec)
            # Outputs never land on an input (of any episode), the folder is writable, the
            # encoder takes the settings, the script has something to speak and fits in memory.
            check_outputs_first(out, mix_settings=self.mix, export_settings=export, inputs=self.inputs)
            script = self._load_script(spec)
            check_script(script, out, mix_settings=self.mix, export_settings=export)
            for host in script.hosts:
                self.engine.identity(get_voice(host.voice, self.voices))
        except Exception as exc:  # any problem of one episode fails only that episode
            self._fail(spec, exc)
            return None
        chars = {(ci, ti): len(turn.text) for ci, ti, turn in script.turns()}
        return _Ready(spec, script, out, input_hash, config_hash, chars)

    def _load_script(self, spec: EpisodeSpec) -> Script:
        from voicer.api import load_script

        script = load_script(spec.input, language=spec.language, voices=spec.voices, title=spec.title)
        if spec.episode is not None:
            script.meta["episode"] = str(spec.episode)
        return script

    def _export(self, spec: EpisodeSpec) -> ExportSettings:
        if spec.episode is None:
            return self.export
        return replace(self.export, episode=spec.episode)

    def _config(self, spec: EpisodeSpec) -> dict[str, Any]:
        """Everything besides the input file that changes the episode's files."""
        import voicer

        render = asdict(self.render)
        for key in ("cache_dir", "workers", "keep_going", "isolate"):
            render.pop(key, None)  # where and how fast, not what
        return {
            "voicer": voicer.__version__,
            "row": spec.fields(),
            "engine": [self.engine.name, getattr(self.engine, "device", "cpu")],
            "render": render,
            "mix": asdict(self.mix),
            "export": asdict(self.export),
        }

    def _finish(self, item: _Ready, outcome: RenderOutcome | BaseException) -> EpisodeReport:
        """Mix and export one episode (in the mixer thread)."""
        from voicer.export import export_episode
        from voicer.mix import mix

        spec = item.spec
        if isinstance(outcome, BaseException):
            return EpisodeReport(spec.name, spec.input, "failed", _sentence(outcome))
        if outcome.failed:
            first = outcome.failed[0]
            why = f"the engine failed on {first.where()}: {first.error.rstrip('.')}"
            more = f" (and {len(outcome.failed) - 1} more turns)" if len(outcome.failed) > 1 else ""
            return EpisodeReport(spec.name, spec.input, "failed", why + more + ".")
        mixed = mix(item.script, outcome.audio, self.mix)
        export = self._export(spec)
        about = {"engine": self.engine.name, "batch": True}
        report = export_episode(mixed, item.script, item.out, export, about=about)
        return EpisodeReport(spec.name, spec.input, "done", None, report.audio, report.duration)

    def _record(self, item: _Ready, report: EpisodeReport) -> None:
        if report.status == "done" and report.audio is not None:
            self.state.record(
                item.spec.name,
                status="done",
                input=str(item.spec.input),
                input_hash=item.input_hash,
                settings_hash=item.config_hash,
                audio=report.audio.name,
                seconds=round(report.seconds, 3),
                finished=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            )
        else:
            self.state.record(
                item.spec.name, status="failed", input=str(item.spec.input), error=report.message
            )
        self._report(report)

    def _fail(self, spec: EpisodeSpec, exc: BaseException) -> None:
        report = EpisodeReport(spec.name, spec.input, "failed", _sentence(exc))
        if not spec.problem:
            self.state.record(spec.name, status="failed", input=str(spec.input), error=report.message)
        self._report(report)

    def _report(self, report: EpisodeReport) -> None:
        self.reports.append(report)
        self.track.episode_done(report)


def _sentence(exc: BaseException) -> str:
    if isinstance(exc, VoicerError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


class _Tracker:
    """Catalogue counters and the events sent to the progress callback."""

    def __init__(self, total: int, callback: BatchCallback | None) -> None:
        self.total, self.callback = total, callback
        self.started = time.perf_counter()
        self.done = self.failed = self.skipped = 0
        self.audio = 0.0
        self.chars_total = self.chars_done = 0
        self.group: list[_Ready] = []
        self.turns_done: dict[str, int] = {}

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def eta(self) -> float | None:
        if not self.chars_done:
            return None
        rate = self.chars_done / max(self.elapsed(), 1e-6)
        return max(0.0, self.chars_total - self.chars_done) / rate

    def emit(self, kind: str, **fields: Any) -> None:
        if self.callback is None:
            return
        event = BatchEvent(
            kind,
            self.done,
            self.total,
            self.failed,
            self.skipped,
            self.audio,
            self.elapsed(),
            self.eta(),
            **fields,
        )
        self.callback(event)

    def turn(self, event: ProgressEvent) -> None:
        if event.kind != "turn" or event.episode is None or event.episode >= len(self.group):
            return
        item = self.group[event.episode]
        self.chars_done += item.chars.get((event.chapter or 0, event.turn or 0), 0)
        name = item.spec.name
        self.turns_done[name] = self.turns_done.get(name, 0) + 1
        self.emit(
            "turn",
            episode=name,
            status=event.status,
            turns_done=self.turns_done[name],
            turns_total=len(item.chars),
        )

    def episode_done(self, report: EpisodeReport) -> None:
        self.done += 1
        self.failed += report.status == "failed"
        self.skipped += report.status == "skipped"
        if report.status in ("done", "skipped"):
            self.audio += report.seconds
        self.emit("episode", episode=report.name, status=report.status, message=report.message)
