"""Turn one voice's sentences into a two-host conversation (no LLM).

The lead host and the co-host take turns of 1-4 sentences (at most
``turns.max_size`` Han characters / words; a longer sentence is cut at its
commas). Each turn aims at a size drawn from the seeded random generator, so the
same input and seed always give the same script. A question in the text ends a
turn, so the host who says it hands over and the other answers. At hand-overs,
short bridge lines from the phrase bank (``data/<lang>.toml``, ``[bridges]``) make it
sound like a conversation: a reaction by the host who takes over, a prompt by the
listener that lets the speaker go on, a line opening each chapter, and an intro /
outro line when the source has no greeting / closing of its own. Bridge lines are
`Turn.bridge` turns and stay under ``bridges.budget`` of the source words.
"""

from __future__ import annotations

import random
import re

from voicer.model import Turn, word_count

from .chapters import Span
from .data import bank
from .sentences import size

_CLAUSE_END_RE = re.compile(r"(?<=[，,；;、：:])")


def split_long(sentence: str, language: str, max_size: int) -> list[str]:
    """`sentence` cut at clause punctuation into pieces of at most `max_size`."""
    if size(sentence, language) <= max_size:
        return [sentence]
    pieces: list[str] = []
    cur = ""
    for clause in _CLAUSE_END_RE.split(sentence):
        if cur and size(cur + clause, language) > max_size:
            pieces.append(cur)
            cur = ""
        cur += clause
    if cur:
        pieces.append(cur)
    out: list[str] = []
    for p in pieces:
        # A single clause longer than a turn: cut it evenly (rare: subtitles are short).
        parts = -(-size(p, language) // max_size)
        if parts > 1:
            step = -(-len(p) // parts)
            out += [p[i : i + step] for i in range(0, len(p), step)]
        else:
            out.append(p)
    return out


def _is_question(text: str) -> bool:
    return text.rstrip('”’"」』）) ').endswith(("？", "?"))


class _Talk:
    """Builds the turn list while tracking who speaks, words per host and the bridge budget."""

    def __init__(self, language: str, lead: str, co: str, rng: random.Random, source_words: int) -> None:
        self.language = language
        self.table = bank(language)
        self.lead, self.co = lead, co
        self.rng = rng
        self.budget = self.table["bridges"]["budget"] * source_words
        self.bridge_words = 0
        self.words = {lead: 0, co: 0}
        self.speaker = lead
        self.last: Turn | None = None

    def other(self, host: str) -> str:
        return self.co if host == self.lead else self.lead

    def bridge(self, turns: list[Turn], kind: str, speaker: str, **fields: str) -> bool:
        text = self.rng.choice(self.table["bridges"][kind]).format(**fields)
        n = word_count(text)
        if self.bridge_words + n > self.budget:
            return False
        self.bridge_words += n
        turns.append(Turn(speaker=speaker, text=text, bridge=True))
        return True

    def share(self, host: str) -> float:
        total = sum(self.words.values())
        return self.words[host] / total if total else 0.0

    def content(self, turns: list[Turn], parts: list[str], first_in_chapter: bool) -> None:
        text = self.table["turns"]["joiner"].join(parts)
        if not first_in_chapter and self.last is not None:
            bridges = self.table["bridges"]
            # A prompt ("and then?") only makes sense inside a chapter, not across its break.
            keep = (
                bool(turns)
                and not _is_question(self.last.text)
                and self.share(self.speaker) <= 0.5
                and self.rng.random() < bridges["prompt_chance"]
            )
            if keep and self.bridge(turns, "prompt", self.other(self.speaker)):
                pass  # the listener prompts, the same host goes on
            else:
                self.speaker = self.other(self.speaker)
                if not _is_question(self.last.text) and self.rng.random() < bridges["react_chance"]:
                    self.bridge(turns, "react", self.speaker)
        turn = Turn(speaker=self.speaker, text=text)
        turns.append(turn)
        self.words[self.speaker] += word_count(text)
        self.last = turn


def _chapter(talk: _Talk, sentences: list[str], turns: list[Turn], first: bool) -> None:
    """Append the content turns of one chapter; `first`: the lead just opened it."""
    limits = talk.table["turns"]
    max_size, max_sentences = limits["max_size"], limits["max_sentences"]
    language, rng = talk.language, talk.rng
    cur: list[str] = []
    target = rng.randint(limits["target_min"], limits["target_max"])
    pieces = [p for sentence in sentences for p in split_long(sentence, language, max_size)]
    for i, piece in enumerate(pieces):
        question = _is_question(piece)
        cur.append(piece)
        now = sum(size(c, language) for c in cur)
        nxt = pieces[i + 1] if i + 1 < len(pieces) else None
        # Hand over after a question, at the turn's target size or at a limit;
        # a question waits for the next turn unless this one is still short.
        if (
            nxt is None
            or question
            or len(cur) >= max_sentences
            or now + size(nxt, language) > max_size
            or now >= target
            or (_is_question(nxt) and len(cur) >= 2)
        ):
            talk.content(turns, cur, first)
            first = False
            cur = []
            target = rng.randint(limits["target_min"], limits["target_max"])


def converse(
    chapters: list[tuple[Span, list[str]]],
    language: str,
    lead: str,
    co: str,
    *,
    seed: int = 0,
    title: str = "",
) -> list[list[Turn]]:
    """Turns per chapter for two hosts sharing `chapters` (sentences per chapter span)."""
    source_words = sum(word_count(s) for _, sents in chapters for s in sents)
    talk = _Talk(language, lead, co, random.Random(seed), source_words)
    out: list[list[Turn]] = []
    for index, (span, sentences) in enumerate(chapters):
        turns: list[Turn] = []
        first = False
        if index == 0 and span.kind != "intro" and title:
            talk.bridge(turns, "intro", lead, title=title)
        elif index > 0 and span.kind == "body" and span.title:
            # The lead opens the chapter and goes on speaking.
            first = talk.bridge(turns, "chapter", lead, topic=span.title)
            if first:
                talk.speaker = lead
        _chapter(talk, sentences, turns, first)
        out.append(turns)
    if chapters and chapters[-1][0].kind != "outro":
        talk.bridge(out[-1], "outro", lead)
    return out
