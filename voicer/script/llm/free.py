"""Free mode: the model rewrites a chapter as conversation. The rewrite must keep
every number, Latin name and proper noun of the source, add none, and keep enough of
its wording (character n-gram recall); otherwise the chapter falls back."""

from __future__ import annotations

import json
from typing import Any

from voicer.model import Turn

from . import facts
from .plan import CO, LEAD, Cast, Job, Rejected, context_block
from .prompts import fill


def max_turns(job: Job) -> int:
    return max(4, 2 * len(job.units))


def schema(job: Job, prompts: dict[str, Any]) -> dict[str, Any]:
    turn = {
        "type": "object",
        "properties": {
            "host": {"type": "string", "enum": [LEAD, CO]},
            "text": {"type": "string", "minLength": 1, "maxLength": prompts["limits"]["free_turn_chars"]},
        },
        "required": ["host", "text"],
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {"turns": {"type": "array", "items": turn, "minItems": 2, "maxItems": max_turns(job)}},
        "required": ["turns"],
        "additionalProperties": False,
    }


def messages(job: Job, cast: Cast, prompts: dict[str, Any]) -> list[dict[str, str]]:
    f, hosts = prompts["free"], prompts["hosts"]
    fields = {
        "title": job.title,
        "lead": hosts["lead"],
        "co": hosts["co"],
        "context": context_block(job, cast, prompts),
        "source": job.source,
        "max_turns": max_turns(job),
    }
    return [
        {"role": "system", "content": f["system"]},
        {"role": "user", "content": fill(f["user"], "free.user", **fields)},
    ]


def max_tokens(job: Job) -> int:
    return int(1.6 * facts.tokens(job.source)) + 12 * max_turns(job) + 32


def expected_tokens(source_tokens: int, units: int) -> int:
    return int(1.3 * source_tokens) + 10 * units + 32


def accept(
    content: str, job: Job, cast: Cast, prompts: dict[str, Any], language: str
) -> tuple[list[Turn], str]:
    """The rewrite's turns and a note on what was checked, or Rejected."""
    from .plan import clean

    try:
        data = json.loads(content, strict=False)
    except ValueError:
        raise Rejected("the answer is not complete JSON (cut off at max_tokens?)") from None
    raw = data.get("turns") if isinstance(data, dict) else None
    if not isinstance(raw, list) or not raw:
        raise Rejected("the answer has no 'turns' list")
    turns: list[Turn] = []
    for i, t in enumerate(raw, 1):
        if not isinstance(t, dict) or t.get("host") not in (LEAD, CO) or not isinstance(t.get("text"), str):
            raise Rejected(f"turn {i} has no host A/B and text")
        text = clean(t["text"])
        if text:
            turns.append(Turn(speaker=cast.host(t["host"]), text=text))
    if len({t.speaker for t in turns}) < 2:
        raise Rejected("only one host speaks")
    output = "\n".join(t.text for t in turns)
    lost = facts.missing(job.source, output, language)
    if lost:
        raise Rejected(f"drops {len(lost)} fact(s): " + ", ".join(lost[:5]))
    new = facts.invented(output, job.chapter_text, language)
    if new:
        raise Rejected("adds " + ", ".join(new[:5]) + " (not in the source)")
    kept = facts.recall(job.source, output, language)
    need = prompts["limits"]["free_min_recall"]
    if kept < need:
        raise Rejected(f"keeps {kept:.0%} of the source's wording (needs {need:.0%})")
    return turns, f"wording kept {kept:.0%}"
