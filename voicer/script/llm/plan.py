"""Grounded mode: the model never rewrites the source. Per part of a chapter it
returns a plan that gives every source sentence, in order, its host and optionally a
short line said before it, plus a closing recap. The JSON schema holds exactly one
entry per sentence, each with its id as a constant, so a server with a grammar mode
can only return a plan that covers every sentence once and in order; the plan is
validated all the same, and its added lines are cleaned, checked for invented numbers
and names, and kept within the word budget."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from voicer.model import MARKER_RE, Turn, word_count

from . import facts
from .prompts import fill

LEAD, CO = "A", "B"
# Tokens one plan entry takes besides its added line: {"id": 12, "host": "A", "before": ""},
ENTRY_TOKENS = 18


class Rejected(Exception):
    """The model's answer cannot be used for this chapter (the reason says why)."""


@dataclass
class Unit:
    """One source sentence (monologue) or passage (labelled transcript)."""

    text: str
    speaker: str | None = None
    """The speaker's host id when the transcript names who speaks (then fixed)."""


@dataclass
class Cast:
    lead: str
    co: str
    narrator: str | None = None
    labelled: bool = False

    def label(self, host: str) -> str:
        return {self.lead: LEAD, self.co: CO}.get(host, host) if not self.labelled else host

    def host(self, label: str) -> str:
        return {LEAD: self.lead, CO: self.co}[label]

    def other(self, host: str) -> str:
        return self.co if host == self.lead else self.lead


@dataclass
class Job:
    """One call's worth of a chapter: some of its units, with what came before."""

    title: str
    units: list[Unit]
    chapter_text: str
    context: list[Turn] = field(default_factory=list)
    final: bool = True

    @property
    def source(self) -> str:
        return "\n".join(u.text for u in self.units)


def context_block(job: Job, cast: Cast, prompts: dict[str, Any]) -> str:
    if not job.context:
        return prompts["context"]["none"]
    lines = [f"{cast.label(t.speaker)}: {t.text[:160]}" for t in job.context]
    return "\n".join([prompts["context"]["header"], *lines])


def added_words(job: Job, prompts: dict[str, Any]) -> int:
    return int(prompts["limits"]["added_budget"] * sum(word_count(u.text) for u in job.units))


def _numbered(job: Job) -> str:
    return "\n".join(
        f"{i}. " + (f"[{u.speaker}] " if u.speaker else "") + u.text for i, u in enumerate(job.units, 1)
    )


def schema(job: Job, cast: Cast, prompts: dict[str, Any]) -> dict[str, Any]:
    limits = prompts["limits"]
    entries = []
    for i in range(1, len(job.units) + 1):
        props: dict[str, Any] = {"id": {"type": "integer", "const": i}}
        if not cast.labelled:
            props["host"] = {"type": "string", "enum": [LEAD, CO]}
        props["before"] = {"type": "string", "maxLength": limits["before_chars"]}
        entries.append(
            {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}
        )
    n = len(entries)
    props = {"lines": {"type": "array", "prefixItems": entries, "minItems": n, "maxItems": n}}
    if job.final:
        props["recap"] = {"type": "string", "maxLength": limits["recap_chars"]}
    return {"type": "object", "properties": props, "required": list(props), "additionalProperties": False}


def messages(job: Job, cast: Cast, prompts: dict[str, Any]) -> list[dict[str, str]]:
    g, limits, hosts = prompts["grounded"], prompts["limits"], prompts["hosts"]
    rule = g["recap_rule"] if job.final else g["no_recap_rule"]
    fields = {
        "title": job.title,
        "lead": hosts["lead"],
        "co": hosts["co"],
        "narrator": hosts["narrator"],
        "context": context_block(job, cast, prompts),
        "count": len(job.units),
        "sentences": _numbered(job),
        "before_chars": limits["before_chars"],
        "recap_chars": limits["recap_chars"],
        "added_words": added_words(job, prompts),
        "recap_rule": fill(rule, "grounded.recap_rule", recap_chars=limits["recap_chars"]),
    }
    key = "user_labelled" if cast.labelled else "user"
    return [
        {"role": "system", "content": g["system"]},
        {"role": "user", "content": fill(g[key], f"grounded.{key}", **fields)},
    ]


def max_tokens(job: Job, prompts: dict[str, Any]) -> int:
    """What the schema allows at most (each added line at full length)."""
    limits = prompts["limits"]
    worst = len(job.units) * (ENTRY_TOKENS + limits["before_chars"]) + 16
    return worst + (limits["recap_chars"] + 8 if job.final else 0)


def expected_tokens(units: int, final: bool, prompts: dict[str, Any]) -> int:
    """What the answer may take: a weak model fills every added line to the schema's limit,
    so parts are sized for that (a cut-off answer would be lost)."""
    limits = prompts["limits"]
    return units * (ENTRY_TOKENS + limits["before_chars"]) + 16 + (limits["recap_chars"] + 8 if final else 0)


def _entries(content: str, job: Job, cast: Cast) -> tuple[list[dict[str, Any]], str]:
    """The plan's entries and recap, or Rejected with the first thing wrong."""
    try:
        data = json.loads(content, strict=False)  # a raw line break inside a string is harmless
    except ValueError:
        raise Rejected("the answer is not complete JSON (cut off at max_tokens?)") from None
    lines = data.get("lines") if isinstance(data, dict) else None
    if not isinstance(lines, list) or not all(isinstance(e, dict) for e in lines):
        raise Rejected("the answer has no 'lines' list of entries")
    ids = [e.get("id") for e in lines]
    n = len(job.units)
    for seen, value in enumerate(ids):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= n:
            raise Rejected(f"entry {seen + 1} names sentence {value!r}, which does not exist")
        if value in ids[:seen]:
            raise Rejected(f"sentence {value} is given twice")
        if value != seen + 1:
            raise Rejected(f"sentence {seen + 1} is missing or out of order (entry {seen + 1} is {value})")
    if len(ids) != n:
        raise Rejected(f"the plan covers {len(ids)} of {n} sentences")
    for e in lines:
        if not cast.labelled and e.get("host") not in (LEAD, CO):
            raise Rejected(f"sentence {e['id']} has host {e.get('host')!r}, not A or B")
        if not isinstance(e.get("before", ""), str):
            raise Rejected(f"sentence {e['id']} has a 'before' that is not text")
    if not cast.labelled and n >= 3 and len({e["host"] for e in lines}) < 2:
        raise Rejected("the plan gives every sentence to one host")
    recap = data.get("recap", "") if job.final else ""
    return lines, recap if isinstance(recap, str) else ""


_STRIP_RE = re.compile(r"[*#<>`_|\\]+|\[\+\]")


def clean(line: str) -> str:
    """An added line as it may appear in a script: one line, no markers or Markdown."""
    line = _STRIP_RE.sub("", MARKER_RE.sub("", line))
    return " ".join(line.split()).strip("\"'“”‘’ ")


def _instructions(prompts: dict[str, Any]) -> str:
    return "\n".join(str(v) for v in prompts["grounded"].values())


def _keep(line: str, job: Job, language: str, limit: int, prompts: dict[str, Any]) -> tuple[str, str | None]:
    """(cleaned line, why it is dropped or None)."""
    text = clean(line)
    if not word_count(text):
        return "", None
    if language != "en" and not re.search(r"[\u3400-\u9fff]", text):
        return text, "hold no Chinese"
    if len(text) > limit:
        return text, "too long"
    bare = "".join(ch for ch in text if ch.isalnum())
    if len(bare) >= 4 and bare in "".join(ch for ch in job.chapter_text if ch.isalnum()):
        return text, "repeats the source"
    if facts.invented(text, job.chapter_text, language):
        return text, "bring numbers or names the source does not have"
    if len(bare) >= 6 and facts.recall(text, _instructions(prompts), language) >= 0.6:
        return text, "copy the instructions"  # weak models echo the prompt
    return text, None


def accept(
    content: str, job: Job, cast: Cast, prompts: dict[str, Any], language: str, joiner: str, max_size: int
) -> tuple[list[Turn], dict[str, int]]:
    """The part's turns from a valid plan, and how many added lines were dropped, by reason."""
    entries, recap = _entries(content, job, cast)
    limits = prompts["limits"]
    budget = added_words(job, prompts)
    drops: dict[str, int] = {}

    def take(line: str, limit: int) -> str:
        nonlocal budget
        text, why = _keep(line, job, language, limit, prompts)
        if text and why is None and word_count(text) > budget:
            why = "over the word budget"
        if why:
            drops[why] = drops.get(why, 0) + 1
            return ""
        budget -= word_count(text)
        return text

    recap_line = take(recap, limits["recap_chars"])  # the recap is worth more than one more prompt
    turns: list[Turn] = []
    for entry, unit in zip(entries, job.units, strict=True):
        speaker = unit.speaker if cast.labelled and unit.speaker else cast.host(entry.get("host", LEAD))
        before = take(entry.get("before", ""), limits["before_chars"])
        if before:
            by = (cast.narrator or cast.lead) if cast.labelled else cast.other(speaker)
            turns.append(Turn(speaker=by, text=before, bridge=True))
        last = turns[-1] if turns else None
        if (
            not cast.labelled
            and last is not None
            and not last.bridge
            and last.speaker == speaker
            and len(last.text) + len(unit.text) <= max_size
        ):
            last.text += joiner + unit.text  # the same host goes on: one turn
        else:
            turns.append(Turn(speaker=speaker, text=unit.text))
    if recap_line:
        turns.append(Turn(speaker=cast.narrator or cast.lead, text=recap_line, bridge=True))
    return turns, drops
