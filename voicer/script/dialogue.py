"""The offline (rule-based) writer: one voice's sentences become a two-host conversation.

Content: every source sentence is spoken exactly once, in order, by one host; a turn holds
1-4 whole sentences (at most ``turns.max_size`` Han characters / words), so a turn starts and
ends at a sentence boundary and a host never continues the other's sentence. A sentence longer
than a turn is cut at its commas, else between two words (never inside a jieba word or a Latin
word), and its pieces stay with the same host. A question in the text hands the floor over.

Roles: the host with the floor explains; the other asks short questions built from the key
phrase of what comes next ("说到推荐系统，具体是怎么回事？"), reacts to what was just said, and
now and then rephrases its key point. At each hand-over one of these is drawn from the seeded
generator (``bridges.*_chance`` in ``data/<lang>.toml``); the templates are data, and no line is
said twice within ``bridges.no_repeat_turns`` turns. The floor alternates so that each host
speaks about half of the words. Each chapter opens with a lead-in naming its topic, and the
episode closes with a recap of the chapter titles. Added lines are `Turn.bridge` turns and stay
under ``bridges.budget`` of the source words.
"""

from __future__ import annotations

import math
import random
import re
from collections import Counter, deque

from voicer.model import Host, Turn, spoken_text, word_count

from .chapters import Span, collocations, phrases
from .data import bank, bank_language
from .punctuate import continues
from .sentences import size

_CLAUSE_END_RE = re.compile(r"(?<=[，,；;、：:])")


def _cut_words(text: str, language: str, parts: int) -> list[str]:
    """`text` cut into `parts` pieces of about equal size, only between two words."""
    if bank_language(language) == "en":
        tokens = re.findall(r"\S+\s*", text)
    else:
        from ..resources import jieba

        tokens = jieba().lcut(text)
        # Keep a Latin word or number whole even where jieba splits it (GPT-4o).
        merged: list[str] = []
        for tok in tokens:
            if merged and re.match(r"[A-Za-z0-9.\-+#%]", tok[:1]) and re.search(r"[A-Za-z0-9]$", merged[-1]):
                merged[-1] += tok
            else:
                merged.append(tok)
        tokens = merged
    total = max(1, size(text, language))
    out: list[str] = []
    cur = ""
    for tok in tokens:
        if (
            cur
            and len(out) < parts - 1
            and size(cur, language) >= total * (len(out) + 1) / parts - size("".join(out), language)
        ):
            out.append(cur)
            cur = ""
        cur += tok
    if cur:
        out.append(cur)
    return [p for p in out if p.strip()]


def split_long(sentence: str, language: str, max_size: int) -> list[str]:
    """`sentence` cut at clause punctuation into pieces of at most `max_size`; a clause longer
    than that is cut between two words (never inside one)."""
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
        parts = -(-size(p, language) // max_size)
        out += _cut_words(p, language, parts) if parts > 1 else [p]
    return [p.strip() if bank_language(language) == "en" else p for p in out]


def host_name(texts: list[str], language: str) -> str | None:
    """The name the speaker gives in the first lines ("我是大飞" -> 大飞, "I'm Dana" -> Dana)."""
    table = bank(language)["names"]
    not_names = set(table["not_names"])
    for text in texts:
        for pattern in table["patterns"]:
            for m in re.finditer(pattern, spoken_text(text)):
                name = m.group("name")
                if name not in not_names and not any(name.startswith(w) for w in not_names):
                    return name
    return None


def name_hosts(hosts: list[Host], speakers: list[str], texts: list[str], language: str) -> list[Host]:
    """`hosts` with the lead renamed after the one speaker's label or the name the text gives."""
    name = speakers[0] if len(speakers) == 1 else host_name(texts, language)
    if not name or any(h.id == name for h in hosts) or any(c in name for c in "*:：[]#\n"):
        return hosts
    return [Host(id=name, name=name, voice=hosts[0].voice), *hosts[1:]]


def _is_question(text: str) -> bool:
    return spoken_text(text).rstrip('”’"」』）) ').endswith(("？", "?"))


class KeyPhrases:
    """The key phrase of a piece of text: its most specific noun phrase (tf-idf over the
    episode's sentences; a phrase said once in the whole episode counts less)."""

    def __init__(self, sentences: list[str], language: str) -> None:
        self.language = language
        self.glue = collocations(sentences, language)
        docs = [set(phrases(s, language, self.glue)) for s in sentences]
        # Llama rather than llama: the capitalized spelling when the text has one.
        self.shown: dict[str, str] = {}
        for p in (p for d in docs for p in d):
            if p.lower() not in self.shown or (p[:1].isupper() and not self.shown[p.lower()][:1].isupper()):
                self.shown[p.lower()] = p
        self.df: Counter[str] = Counter(w.lower() for d in docs for w in d)
        self.n = max(1, len(docs))

    def __call__(self, text: str, avoid: set[str] | None = None) -> str:
        cands = phrases(text, self.language, self.glue)
        if not cands:
            return ""
        tf = Counter(c.lower() for c in cands)
        avoid = avoid or set()

        def score(c: str) -> float:
            df = self.df.get(c.lower(), 0)
            idf = math.log((self.n + 1) / (df + 0.5))
            recurring = 1.0 if df >= 2 else 0.6
            # Longer phrases (推荐系统, "open models") say more than one generic noun (系统).
            long = 1.6 if len(c) >= (4 if bank_language(self.language) != "en" else 10) else 1.0
            return tf[c.lower()] * idf * recurring * long

        ranked = sorted(dict.fromkeys(cands), key=lambda c: (-score(c), cands.index(c)))
        best = next((c for c in ranked if c.lower() not in avoid), ranked[0])
        return self.shown.get(best.lower(), best)


class _Talk:
    """Builds the turn list: who has the floor, words per host, the bridge budget, the lines
    said recently."""

    def __init__(
        self, language: str, lead: str, co: str, rng: random.Random, source_words: int, keys: KeyPhrases
    ) -> None:
        self.language = language
        self.table = bank(language)
        self.b = self.table["bridges"]
        self.lead, self.co = lead, co
        self.rng = rng
        self.keys = keys
        self.budget = self.b["budget"] * source_words
        self.bridge_words = 0
        self.words = {lead: 0, co: 0}
        self.speaker = lead
        self.last: Turn | None = None
        self.turn_no = 0
        self.recent: deque[tuple[int, str]] = deque()
        self.recent_keys: deque[str] = deque(maxlen=4)

    def other(self, host: str) -> str:
        return self.co if host == self.lead else self.lead

    def _pick(self, kind: str, **fields: str) -> str | None:
        """A template of `kind` not said within the last turns, filled in; None if none is left."""
        while self.recent and self.recent[0][0] < self.turn_no - self.b["no_repeat_turns"]:
            self.recent.popleft()
        used = {key for _, key in self.recent}
        options = [t for t in self.b[kind] if f"{kind}:{t}" not in used]
        if not options:
            return None
        template = self.rng.choice(options)
        self.recent.append((self.turn_no, f"{kind}:{template}"))
        return template.format(**fields)

    def bridge(self, turns: list[Turn], kind: str, speaker: str, **fields: str) -> bool:
        text = self._pick(kind, **fields)
        if text is None:
            return False
        if bank_language(self.language) == "en":
            text = text[:1].upper() + text[1:]
        n = word_count(text)
        if self.bridge_words + n > self.budget:
            return False
        self.bridge_words += n
        turns.append(Turn(speaker=speaker, text=text, bridge=True))
        self.turn_no += 1
        return True

    def share(self, host: str) -> float:
        total = sum(self.words.values())
        return self.words[host] / total if total else 0.5

    def _key(self, text: str) -> str:
        kw = self.keys(text, set(self.recent_keys))
        if kw:
            self.recent_keys.append(kw.lower())
        return kw

    def hand_over(self, turns: list[Turn], text: str) -> None:
        """Decide who speaks `text` next and which line (if any) bridges to it."""
        prev = self.last
        if prev is None or _is_question(prev.text):
            if prev is not None:
                self.speaker = self.other(self.speaker)  # a question is answered by the other host
            return
        b, r = self.b, self.rng.random()
        cur, nxt = self.speaker, self.other(self.speaker)
        keep = self.share(cur) < 0.5  # the one behind in words may keep the floor
        if r < b["ask_keep_chance"] and keep:
            kw = self._key(text)
            if kw and self.bridge(turns, "question", nxt, kw=kw):
                return  # the listener asks, the speaker goes on
            self.speaker = nxt
            return
        self.speaker = nxt
        r -= b["ask_keep_chance"]
        if r < b["ask_switch_chance"]:
            kw = self._key(text)
            if kw:
                self.bridge(turns, "question", cur, kw=kw)
        elif r < b["ask_switch_chance"] + b["react_chance"] + b["rephrase_chance"]:
            kind = "react" if r < b["ask_switch_chance"] + b["react_chance"] else "rephrase"
            kw = self._key(prev.text)
            if kind == "rephrase" and len(kw) < (4 if bank_language(self.language) != "en" else 10):
                kind = "react"  # one generic word is no key point to rephrase
            if kw:
                self.bridge(turns, kind, nxt, kw=kw)

    def content(self, turns: list[Turn], text: str, first: bool, same_speaker: bool = False) -> None:
        if not first and not same_speaker:
            self.hand_over(turns, text)
        turn = Turn(speaker=self.speaker, text=text)
        turns.append(turn)
        self.words[self.speaker] += word_count(text)
        self.last = turn
        self.turn_no += 1


def _turn_texts(talk: _Talk, sentences: list[str]) -> list[tuple[str, bool]]:
    """Turn texts of one chapter: (text, continues the same sentence as the turn before)."""
    limits = talk.table["turns"]
    max_size, max_sentences = limits["max_size"], limits["max_sentences"]
    language, rng = talk.language, talk.rng
    out: list[tuple[str, bool]] = []
    cur: list[str] = []
    target = rng.randint(limits["target_min"], limits["target_max"])
    joiner = limits["joiner"]
    same = False  # the next turn goes on with the sentence before: the same host says it

    def flush(goes_on: bool = False) -> None:
        nonlocal cur, target, same
        if cur:
            out.append((joiner.join(cur), same))
            same = goes_on
        cur = []
        target = rng.randint(limits["target_min"], limits["target_max"])

    goes_on = False
    for i, sentence in enumerate(sentences):
        before_goes_on = goes_on  # this sentence goes on with the one before
        nxt = sentences[i + 1] if i + 1 < len(sentences) else None
        # A next sentence that cannot start on its own (也/还/不仅..., a verb without its
        # subject, or this one ends with 在/把/说) goes on with this one: the same host says it,
        # so a restored sentence end that came too early never becomes a hand-over.
        goes_on = nxt is not None and continues(nxt, language, sentence)
        pieces = split_long(sentence, language, max_size)
        if len(pieces) > 1:
            flush(before_goes_on)
            out += [(p, k > 0 or same) for k, p in enumerate(pieces)]
            same = goes_on
            continue
        cur.append(sentence)
        now = sum(size(c, language) for c in cur)
        # Hand over after a question, at the turn's target size or at a limit;
        # a question waits for the next turn unless this one is still short.
        at_target = now >= target and not goes_on
        if (
            nxt is None
            or (_is_question(sentence) and not goes_on)
            or len(cur) >= max_sentences
            or now + size(nxt, language) > max_size
            or at_target
            or (_is_question(nxt) and len(cur) >= 2)
        ):
            flush(goes_on)
    flush()
    return out


def topic(title: str) -> str:
    """What a host calls a chapter: a long heading up to its colon ("AI产品的未来：就算..." ->
    "AI产品的未来"), a continued chapter without its "(2)"."""
    title = re.sub(r"\s*\(\d+\)$", "", title).strip()
    head = re.split(r"[：:]", title, maxsplit=1)[0].strip()
    return head if head and len(title) > 16 else title


def _recap(talk: _Talk, titles: list[str]) -> str | None:
    """The chapter topics listed for the closing recap (None for fewer than two)."""
    topics = list(dict.fromkeys(topic(t) for t in titles))
    if len(topics) < 2:
        return None
    b = talk.b
    return b["recap_joiner"].join(topics[:-1]) + b["recap_last"] + topics[-1]


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
    all_sentences = [s for _, sents in chapters for s in sents]
    source_words = sum(word_count(s) for s in all_sentences)
    keys = KeyPhrases(all_sentences, language)
    talk = _Talk(language, lead, co, random.Random(seed), source_words, keys)
    body_titles = [span.title for span, _ in chapters if span.kind == "body" and span.title]
    out: list[list[Turn]] = []
    for index, (span, sentences) in enumerate(chapters):
        turns: list[Turn] = []
        first = index == 0
        if index == 0 and span.kind != "intro" and title:
            talk.bridge(turns, "intro", lead, title=title)
            talk.speaker = lead
        elif span.kind == "outro":
            listed = _recap(talk, body_titles)
            if listed and talk.bridge(turns, "recap", talk.speaker, topics=listed):
                first = True
        elif index > 0 and span.kind == "body" and span.title and not re.search(r" \(\d+\)$", span.title):
            # The host who did not just speak opens the chapter and goes on speaking.
            opener = talk.other(talk.speaker) if talk.last is not None else lead
            if talk.share(opener) > 0.55:
                opener = talk.other(opener)
            if talk.bridge(turns, "chapter", opener, topic=topic(span.title)):
                talk.speaker = opener
                first = True
        for text, same in _turn_texts(talk, sentences):
            talk.content(turns, text, first, same_speaker=same)
            first = False
        out.append(turns)
    if chapters and chapters[-1][0].kind != "outro":
        listed = _recap(talk, body_titles)
        if listed:
            talk.bridge(out[-1], "recap", lead, topics=listed)
        talk.bridge(out[-1], "outro", lead)
    return out
