"""The LLM writer's loop: chapter by chapter, each cut into parts that fit the model's
context, the previous turns given as context; answers come from the cache or the
server; each chapter falls back free -> grounded -> rules with the reason noted."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from voicer.model import Chapter, Turn

from . import facts, free, plan
from .cache import AnswerCache, request_key
from .client import ChatClient, ServerTrouble
from .plan import Cast, Job, Rejected, Unit
from .prompts import load_prompts
from .settings import LLMSettings


@dataclass
class ChapterStat:
    title: str
    writer: str
    """"free", "grounded" or "rules"."""
    seconds: float
    calls: int
    cached: int


class Writer:
    def __init__(
        self,
        settings: LLMSettings,
        language: str,
        cast: Cast,
        *,
        seed: int = 0,
        joiner: str = "",
        max_size: int = 120,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.settings = settings
        self.language = language
        self.cast = cast
        self.seed = seed
        self.joiner, self.max_size = joiner, max_size
        self.progress = progress
        self.prompts = load_prompts(language, settings.prompts)
        self.cache = AnswerCache(settings.cache_path(), settings.cache)
        self._client: ChatClient | None = None
        self.stats: list[ChapterStat] = []

    # ------------------------------------------------------------------ server

    def _server(self) -> ChatClient:
        if self._client is None:
            self._client = ChatClient(self.settings)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def ask(self, messages: list[dict[str, str]], schema: dict[str, Any], max_tokens: int) -> str:
        s = self.settings
        model = s.model_name() or self._server().model()
        key = request_key(
            {
                "url": s.base_url(),
                "model": model,
                "messages": messages,
                "schema": schema,
                "max_tokens": max_tokens,
                "temperature": s.temperature,
                "seed": self.seed,
            }
        )
        content = self.cache.get(key)
        if content is None:
            content = self._server().complete(messages, schema, max_tokens=max_tokens, seed=self.seed)
            self.cache.put(key, content, {"model": model})
        return content

    # ------------------------------------------------------------------ parts

    def _split(self, mode: str, title: str, units: list[Unit], context: list[Turn]) -> list[list[Unit]]:
        """Units cut into parts whose prompt and expected answer fit the context window."""
        probe = Job(title, [], "", context, final=True)
        if mode == "free":
            base = facts.tokens(str(free.messages(probe, self.cast, self.prompts))) + free.expected_tokens(
                0, 0
            )
        else:
            base = facts.tokens(str(plan.messages(probe, self.cast, self.prompts)))
            base += plan.expected_tokens(0, True, self.prompts)
        room = self.settings.context - base
        parts: list[list[Unit]] = [[]]
        used = 0
        for k, unit in enumerate(units, 1):
            t = facts.tokens(unit.text) + 6
            if mode == "free":
                cost = free.expected_tokens(t, 1)
            else:
                cost = (
                    t
                    + plan.expected_tokens(1, False, self.prompts)
                    - plan.expected_tokens(0, False, self.prompts)
                )
            if cost > room:
                raise Rejected(f"sentence {k} alone does not fit --llm-context {self.settings.context}")
            if parts[-1] and used + cost > room:
                parts.append([])
                used = 0
            parts[-1].append(unit)
            used += cost
        return parts

    def _write(
        self, mode: str, title: str, units: list[Unit], before: list[Turn]
    ) -> tuple[list[Turn], list[str]]:
        keep = self.prompts["limits"]["context_turns"]
        chapter_text = "\n".join(u.text for u in units)
        parts = self._split(mode, title, units, before[-keep:] if keep else [])
        turns: list[Turn] = []
        notes: list[str] = []
        drops: dict[str, int] = {}
        for i, part in enumerate(parts):
            context = (before + turns)[-keep:] if keep else []
            job = Job(title, part, chapter_text, context, final=i == len(parts) - 1)
            if mode == "free":
                msgs, schema = free.messages(job, self.cast, self.prompts), free.schema(job, self.prompts)
                worst = free.max_tokens(job)
            else:
                msgs = plan.messages(job, self.cast, self.prompts)
                schema, worst = plan.schema(job, self.cast, self.prompts), plan.max_tokens(job, self.prompts)
            room = self.settings.context - facts.tokens(str(msgs))
            limit = min(worst, room, self.settings.max_tokens or worst)
            if limit < 16:
                raise Rejected(f"--llm-context {self.settings.context} leaves no room for the answer")
            content = self.ask(msgs, schema, limit)
            if mode == "free":
                got, note = free.accept(content, job, self.cast, self.prompts, self.language)
                notes.append(note)
            else:
                got, dropped = plan.accept(
                    content, job, self.cast, self.prompts, self.language, self.joiner, self.max_size
                )
                for why, n in dropped.items():
                    drops[why] = drops.get(why, 0) + n
            turns += got
        if drops:
            notes.append(
                f"{sum(drops.values())} added line(s) dropped: "
                + "; ".join(f"{n} {w}" for w, n in drops.items())
            )
        if len(parts) > 1:
            notes.append(f"written in {len(parts)} parts to fit the context")
        return turns, notes

    # ---------------------------------------------------------------- chapters

    def chapter(self, title: str, units: list[Unit], rules: list[Turn], before: list[Turn]) -> Chapter:
        start, hits = time.monotonic(), self.cache.hits
        calls = self._client.calls if self._client else 0
        modes = ["grounded"]
        reasons: list[str] = []
        if self.settings.mode == "free":
            if self.cast.labelled:
                reasons.append("free mode would put words in the speakers' mouths")
            else:
                modes.insert(0, "free")
        used, turns, notes = "rules", rules, []
        for mode in modes:
            try:
                turns, notes = self._write(mode, title, units, before)
            except (Rejected, ServerTrouble) as why:
                reasons.append(f"{mode} answer rejected: {why}")
                continue
            used = mode
            break
        model = self.settings.model_name() or (self._client.model() if self._client else "?")
        head = {"rules": "rules writer used", "free": f"rewritten by {model} (free mode)"}.get(
            used, f"grounded plan by {model}"
        )
        chapter = Chapter(title=title, turns=turns, notes=[f"LLM writer: {head}", *reasons, *notes])
        seconds = time.monotonic() - start
        done = (self._client.calls if self._client else 0) - calls
        self.stats.append(ChapterStat(title, used, seconds, done, self.cache.hits - hits))
        return chapter

    def write(self, chapters: list[Chapter], sources: list[list[Unit]]) -> list[Chapter]:
        out: list[Chapter] = []
        for i, (rules, units) in enumerate(zip(chapters, sources, strict=True), 1):
            before = out[-1].turns if out else []
            trial = self.settings.chapters is not None and i > self.settings.chapters
            chapter = self.chapter(rules.title, units, rules.turns, before) if units and not trial else rules
            out.append(chapter)
            if self.progress and units and not trial:
                st = self.stats[-1]
                how = "from cache" if st.cached and not st.calls else f"{st.calls} call(s)"
                fell = f" ({chapter.notes[1]})" if st.writer == "rules" or len(chapter.notes) > 1 else ""
                self.progress(
                    f"chapter {i}/{len(chapters)} {rules.title}: {st.writer}, {st.seconds:.1f} s, {how}{fell}"
                )
        return out


def llm_chapters(
    chapters: list[Chapter],
    sources: list[list[Unit]],
    cast: Cast,
    language: str,
    settings: LLMSettings,
    *,
    seed: int = 0,
    joiner: str = "",
    max_size: int = 120,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Chapter], list[ChapterStat]]:
    """The chapters written by the LLM (the rules writer's `chapters` are the fallback)."""
    writer = Writer(settings, language, cast, seed=seed, joiner=joiner, max_size=max_size, progress=progress)
    try:
        return writer.write(chapters, sources), writer.stats
    finally:
        writer.close()
