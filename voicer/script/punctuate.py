"""Punctuation restoration for unpunctuated text (subtitle lines, ASR output), in linear time.

The text is cut into words (jieba for Chinese, whitespace words for English); a boundary can
only fall *between* two words, never inside a jieba word or a Latin word or number. Line breaks
and spaces between Chinese characters are weak hints, not boundaries.

Each gap between two words gets a clause score from cues that need no model (all weights and
word lists in ``data/<lang>.toml``, ``[punctuate]``): the part of speech of the words on both
sides (jieba's dictionary tags: a conjunction or pronoun after the gap opens a clause, a
preposition or 的 before it never ends one), discourse markers (但是/所以/其实...), sentence-final
particles (吧/呢/吗/啊, 了 at the end), the line-break hint, and the clause's length so far.
A left-to-right pass with a short look-ahead places clause boundaries (a gap wins when no gap
within the next few words scores higher), so the cost is linear in the input. Each clause
boundary then becomes a sentence end when its sentence score (particles, discourse markers,
sentence length) passes a threshold. A question (吗/呢 at the end, a leading question word)
ends with "？".

In Chinese the trained veto (`punctmodel`) then drops breaks it is sure are wrong, and with
`--punctuation lm` a small language model (`punctlm`) reads the result and decides the breaks
in long unpunctuated runs (`_place_lm`); `method` says which of these a run uses.

Only punctuation (and, in Chinese, the removal of line breaks and spaces between Chinese
characters) is ever changed: letters, digits and Han characters come out unchanged and in order.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .data import bank, bank_language

_MARKER = r"\[[^\[\]\n]*\]"
_CLOSERS = '”’"」』）)'
# Existing punctuation: sentence ends (with closing quotes), clause marks, markers, spaces.
_ATOM_RE = re.compile(
    rf"(?P<marker>{_MARKER})"
    rf"|(?P<end>(?:[。！？…]+|[.!?]+(?=[\s{_CLOSERS}\[]|$))[{_CLOSERS}]*)"
    r"|(?P<clause>[，、；：—]+|[,;:](?=\s|$)|\s+-+(?=\s)|[“‘「『（(《])"
    r"|(?P<space>\s+)"
    r"|(?P<stray>[\[\]])"
)
_LATIN = re.compile(r"[A-Za-z0-9]")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# A Latin word or number, never cut (Llama-3.1, GPT-4o, 2024-07-24, it's).
_LATIN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[.'’\-+#%_/][A-Za-z0-9]+)*[+#%]?")
_EN_WORD_RE = re.compile(r"[A-Za-z0-9]+(?:[.'’\-+#%_/][A-Za-z0-9]+)*|\S")
_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")


@dataclass(slots=True)
class Tok:
    """One word (kind "w"), marker ("m") or existing punctuation ("c" clause, "e" sentence end)."""

    text: str
    kind: str
    space: str = ""  # written before the token
    hint: bool = False  # a line break or a space between Chinese characters came before it
    mark: str = ""  # punctuation added after a word: "，", "。" or "？" (", ", ". ", "? " in English)


@functools.lru_cache(maxsize=1)
def _tags() -> dict[str, str]:
    """jieba's dictionary part-of-speech tags (a plain lookup: no tagging pass)."""
    import jieba.posseg

    from ..resources import jieba as _jieba

    _jieba()
    return jieba.posseg.dt.word_tag_tab


def _needs_space(left: str, right: str) -> bool:
    return bool(_LATIN.match(left[-1:]) or _LATIN.match(right[:1])) and not (
        _HAN.match(left[-1:]) and _HAN.match(right[:1])
    )


def _words(text: str, language: str) -> list[tuple[str, int]]:
    """(word, offset) of a run of text with no punctuation, markers or line breaks."""
    if language == "en":
        return [(m.group(0), m.start()) for m in _EN_WORD_RE.finditer(text)]
    from ..resources import jieba as _jieba

    out: list[tuple[str, int]] = []
    pos = 0
    for w in _jieba().lcut(text, HMM=True):
        out.append((w, pos))
        pos += len(w)
    # Merge pieces of one Latin word or number that jieba cut (GPT / - / 4o).
    protected = [(m.start(), m.end()) for m in _LATIN_WORD_RE.finditer(text) if m.end() - m.start() > 1]
    if not protected:
        return [(w, o) for w, o in out if w.strip()]
    merged: list[tuple[str, int]] = []
    k = 0
    for w, o in out:
        while k < len(protected) and protected[k][1] <= o:
            k += 1
        inside = k < len(protected) and protected[k][0] < o < protected[k][1]
        if inside and merged and merged[-1][1] >= protected[k][0]:
            merged[-1] = (merged[-1][0] + w, merged[-1][1])
        else:
            merged.append((w, o))
    return [(w, o) for w, o in merged if w.strip()]


def _phrase_cuts(words: list[tuple[str, int]], hints: set[int], language: str) -> int:
    """English line breaks right after a word that cannot end a phrase ("the", "of", "with"):
    English lines never cut a word, so these show lines cut at a fixed width."""
    import bisect

    ends = set(_table(language)["continue_ends"])
    offsets = [o for _, o in words]
    cuts = 0
    for h in hints:
        k = bisect.bisect_left(offsets, h) - 1
        cuts += k >= 0 and words[k][0].lower() in ends
    return cuts


def tokenize(text: str, language: str, stats: dict[str, int] | None = None) -> list[Tok]:
    """Words, markers and existing punctuation of `text`, with the line-break hints.
    `stats` (when given) receives "breaks" (weak breaks between words) and "in_word" (those
    that fell inside a word: a sign that the lines were cut anywhere)."""
    language = bank_language(language)
    stats = {} if stats is None else stats
    stats.setdefault("breaks", 0)
    stats.setdefault("in_word", 0)
    en = language == "en"
    toks: list[Tok] = []
    run: list[str] = []  # text pieces of the current run, joined across weak breaks
    hints: list[int] = []  # offsets in the joined run where a break was
    size = [0]  # length of the joined run so far
    pending_space = ""

    def flush() -> None:
        nonlocal pending_space
        joined = "".join(run)
        if joined:
            hint_set = set(hints)
            words = _words(joined, language)
            starts = {o for _, o in words} | {o + 1 for w, o in words if joined[o : o + 1] == " "}
            stats["breaks"] += len(hint_set)
            stats["in_word"] += len(hint_set - starts - {len(joined)})
            if en:
                stats["in_word"] += _phrase_cuts(words, hint_set, language)
            for w, o in words:
                space = ""
                if o > 0 and joined[o - 1] == " ":
                    space = " "
                elif not toks or toks[-1].kind != "w":
                    space = pending_space
                    pending_space = ""
                toks.append(Tok(w, "w", space, hint=o in hint_set))
        run.clear()
        hints.clear()
        size[0] = 0

    pos = 0
    for m in _ATOM_RE.finditer(text):
        if m.start() > pos:
            run.append(text[pos : m.start()])
            size[0] += m.start() - pos
        pos = m.end()
        kind = m.lastgroup
        if kind == "space":
            here = size[0]
            prev = run[-1][-1:] if run else ""
            nxt = text[m.end() : m.end() + 1]
            if run and nxt and not _ATOM_RE.match(text, m.end()):
                spaced = en or _needs_space(prev, nxt)
                if spaced:
                    run.append(" ")
                    size[0] += 1
                # A line break is a hint; so is a space between Chinese characters (captions).
                if "\n" in m.group(0) or not spaced:
                    hints.append(here + (1 if spaced else 0))
            else:
                pending_space = " " if en else ""
            continue
        flush()
        if kind == "stray":
            continue  # a bracket with no partner on its line: joined lines would make it a marker
        tok_kind = {"marker": "m", "end": "e", "clause": "c"}[kind or "clause"]
        raw = m.group(0)
        toks.append(
            Tok(raw.strip() if tok_kind == "c" else raw, tok_kind, " " if en and tok_kind == "m" else "")
        )
    if pos < len(text):
        run.append(text[pos:])
    flush()
    return toks


def hint_weight(stats: dict[str, int], t: dict[str, Any]) -> float:
    """How much a line break counts: captions cut at pauses rarely break a word, lines cut at a
    fixed width often do, and then their breaks say nothing."""
    if stats.get("breaks", 0) < 5:
        return float(t["hint_reliable"])  # too few lines to tell: trust them, as most captions deserve
    rate = stats["in_word"] / stats["breaks"]
    lo, hi = t["hint_clean_rate"], t["hint_noisy_rate"]
    share = min(1.0, max(0.0, (hi - rate) / (hi - lo)))
    return float(t["hint"] + share * (t["hint_reliable"] - t["hint"]))


def _table(language: str) -> dict[str, Any]:
    return bank(language)["punctuate"]


def _tag(word: str, language: str) -> str:
    if language == "en":
        return ""
    if _LATIN.match(word):
        return "x"  # a Latin word or number (Llama, 3.1, H100)
    return _tags().get(word, "?")


def _length(word: str, language: str) -> int:
    if language == "en":
        return 1
    return len(_HAN.findall(word)) + (1 if _LATIN.search(word) else 0)


def compounds(words: list[str]) -> set[tuple[str, str]]:
    """Word pairs that the text always uses together (扎克+伯格, 莫+言): names jieba does
    not know, which must not be cut."""
    from collections import Counter

    pairs = Counter(zip(words, words[1:], strict=False))
    singles = Counter(words)
    return {
        (a, b)
        for (a, b), n in pairs.items()
        if n >= 2 and n >= 0.8 * singles[a] and n >= 0.8 * singles[b] and len(a + b) <= 6
    }


def _gap_scores(
    words: list[Tok], language: str, t: dict[str, Any], glued: set[tuple[str, str]]
) -> tuple[list[float], list[float]]:
    """Clause and sentence cue scores for the gap before each word (index 0 unused)."""
    en = language == "en"
    low = [w.text.lower() for w in words] if en else [w.text for w in words]
    tags = [_tag(w.text, language) for w in words]
    prev_tag, next_tag, pair_tag = t["prev_tag"], t["next_tag"], t.get("pair_tag", {})
    finals, starts = set(t["final_words"]), set(t["start_words"])
    subjects = set(t["subject_words"])
    q_finals = set(t["question_finals"])
    cont_end, cont_start = set(t["continue_ends"]), set(t["continue_starts"])
    sent_finals, sent_starts = t["sentence_final_words"], t["sentence_start_words"]
    topics = [p.lower() for p in bank(language)["chapters"]["cue_contains"]]
    topic_heads = {p[:1] for p in topics}
    clause = [0.0] * len(words)
    sentence = [0.0] * len(words)
    for i in range(1, len(words)):
        a, b = low[i - 1], low[i]
        s = t["hint"] if words[i].hint else 0.0
        s += prev_tag.get(tags[i - 1], prev_tag.get(tags[i - 1][:1], 0.0))
        s += next_tag.get(tags[i], next_tag.get(tags[i][:1], 0.0))
        s += pair_tag.get(f"{tags[i - 1][:1]} {tags[i][:1]}", 0.0)
        if b in subjects:
            s += t["subject_bonus"]
        if a in finals or (len(a) > 1 and a[-1:] in q_finals):  # jieba keeps 有用吗 whole
            s += t["final_bonus"]
        if b in starts:
            s += t["start_bonus"]
        if a in cont_end:
            s -= t["continue_penalty"]
        if b in cont_start:
            s -= t["continue_penalty"]
        if tags[i - 1] == "x" and tags[i] == "x":
            s -= t["glued_penalty"]  # a Latin phrase (H100 GPU, Llama 3)
        if (a, b) in glued or (
            not en and (tags[i - 1] == "?" or tags[i] == "?") and min(len(a), len(b)) == 1
        ):
            s -= t["glued_penalty"]  # probably one name or word that jieba does not know
        clause[i] = s
        sentence[i] = (
            sent_finals.get(a, sent_finals.get(a[-1:], 0.0) if a[-1:] in q_finals else 0.0)
            + sent_starts.get(b, 0.0)
            + t["sentence_next_tag"].get(tags[i][:1], 0.0)
            + (t.get("sentence_start_pairs", {}).get(f"{b} {low[i + 1]}", 0.0) if i + 1 < len(words) else 0.0)
        )
        if b[:1] in topic_heads and any(
            " ".join(low[i : i + 4]).replace(" " if not en else "\0", "").startswith(p) for p in topics
        ):
            clause[i] += t["topic_bonus"]  # "下一个话题", "moving on": a new topic starts here
            sentence[i] += t["topic_bonus"]
    return clause, sentence


def _subordinate(clause: list[Tok], language: str, t: dict[str, Any]) -> bool:
    """True when `clause` is the frame of what follows and cannot end a sentence: it opens with
    a frame word (从/为了/尽管/如果...) or ends with one (与...相比, 对...来说), or opens with 在/当
    and ends with a place or time word (在大会上, 当...的时候)."""
    if not clause or language == "en":
        return False
    if len(clause) > 1 and clause[0].text in t["frame_skip"]:
        clause = clause[1:]  # 但是作为...的创始人: the word after the conjunction counts
    first, last = clause[0].text, clause[-1].text
    if first in t["frame_starts"] or last in t["frame_ends"]:
        return True
    return first in t["frame_place_starts"] and (
        _tag(last, language)[:1] == "f" or last in t["frame_place_ends"]
    )


def _open_clause(clause: list[Tok], length: int, language: str, t: dict[str, Any]) -> bool:
    """True when the clause just ended cannot end its sentence: a frame (从.../尽管.../在...上)
    of what follows, a clause too short without a final particle, or a bare conjunction and
    subject (而消费者) whose predicate comes next."""
    if _subordinate(clause, language, t):
        return True
    if length < t.get("sentence_clause_min", 0) and clause[-1].text not in t["final_words"]:
        return True
    return len(clause) <= 2 and _tag(clause[0].text, language)[:1] == "c"


def model_inputs(
    words: list[Tok], language: str, t: dict[str, Any], glued: set[tuple[str, str]], sent_len: int
) -> dict[str, Any]:
    """What the trained model reads for a run of words: texts, tags, line-break hints, "this
    gap is inside a compound the text always uses" flags, sizes in characters, and the rules'
    view of each gap (their cue scores and their decision), which the model learns to weigh.
    The rules' marks are left set on `words`."""
    texts = [w.text for w in words]
    clause, sentence = _gap_scores(words, language, t, glued)
    _place(words, language, t, glued, sent_len, (clause, sentence))
    rule_marks = [w.mark for w in words]
    tags = [_tag(w, language) for w in texts]
    cues = [
        [
            f"r:{rule_marks[i - 1]}",
            f"rtb:{rule_marks[i - 1]}|{tags[i][:1]}",
            f"rc:{max(-6, min(6, round(clause[i] * 2)))}",
            f"rs:{max(-6, min(6, round(sentence[i] * 2)))}",
        ]
        if i
        else []
        for i in range(len(words))
    ]
    pairs = zip(["", *texts], texts, strict=False)
    return {
        "texts": texts,
        "tags": tags,
        "hints": [w.hint for w in words],
        "flags": [(a, b) in glued for a, b in pairs],
        "sizes": [_length(w, language) for w in texts],
        "cues": cues,
        "rule_marks": rule_marks,
    }


def _place_model(
    words: list[Tok], language: str, t: dict[str, Any], glued: set[tuple[str, str]], sent_len: int
) -> int:
    """`_place` by the rules, then the trained model (`punctmodel`) drops the breaks it is sure
    of being wrong (inside a verb and its object, between a subject and its adverb)."""
    from . import punctmodel

    model = punctmodel.packaged()
    if len(words) < 2 or model is None:
        return _place(words, language, t, glued, sent_len)
    inputs = model_inputs(words, language, t, glued, sent_len)
    marks, open_len = punctmodel.veto(model, inputs, t["reliability"], sent_len)
    for w, m in zip(words, marks, strict=True):
        w.mark = m
    return open_len


def _place(
    words: list[Tok],
    language: str,
    t: dict[str, Any],
    glued: set[tuple[str, str]],
    sent_len: int = 0,
    scores: tuple[list[float], list[float]] | None = None,
) -> int:
    """Set `mark` on the words after which a clause or sentence ends (linear pass); `sent_len`:
    length of the sentence before this run of words; `scores`: `_gap_scores` when the caller
    has them. Returns the open sentence's length."""
    if len(words) < 2:
        return sent_len + sum(_length(w.text, language) for w in words)
    clause, sentence = scores or _gap_scores(words, language, t, glued)
    sizes = [_length(w.text, language) for w in words]
    lo, target, hi = t["clause_min"], t["clause_target"], t["clause_max"]
    s_target, s_max = t["sentence_target"], t["sentence_max"]
    ahead = t["lookahead"]
    cut = [False] * len(words)
    cut[0] = True  # an existing mark or the run start precedes word 0

    def value(i: int, length: int) -> float:
        if length < lo and clause[i] < t["strong"]:
            return -1e9
        return clause[i] + t["length_weight"] * (length - target)

    n = len(words)
    i, length = 1, sizes[0]
    best, best_score = 0, -1e9  # the best gap of the current clause so far
    while i < n:
        v = value(i, length)
        if v > -1e9 and clause[i] > best_score:
            best, best_score = i, clause[i]
        take = v > t["threshold"]
        if take:
            # A gap with a clearly better cue within the next few words wins.
            ln = length
            for j in range(i + 1, min(n, i + 1 + ahead)):
                ln += sizes[j - 1]
                if ln > hi:
                    break
                if clause[j] > clause[i] + t["margin"]:
                    take = False
                    break
        if not take and length + sizes[i] > hi:
            # Too long: cut at the best gap seen in this clause and go on from there.
            if best > 0 and not cut[best]:
                i = best
            take = True
        if take:
            cut[i] = True
            length = 0
            best, best_score = 0, -1e9
        length += sizes[i]
        i += 1
    # Sentence ends among the clause boundaries. After a verb of saying (认为/表示/剧透道) the
    # sentence goes on at least through the next short clause: what was said.
    speech = set(t["speech_verbs"])
    held, clause_len, opener = False, 0, 0
    for i in range(1, n):
        sent_len += sizes[i - 1]
        clause_len += sizes[i - 1]
        if not cut[i]:
            continue
        cue = clause[i] - (t["hint"] if words[i].hint else 0.0)
        v = (
            cue * t["sentence_clause_weight"]
            + sentence[i]
            + t["sentence_length_weight"] * (sent_len - s_target)
        )
        end = v > t["sentence_threshold"] or sent_len + sizes[i] > s_max
        if end and sent_len + sizes[i] <= s_max:
            end = not (held and clause_len < t["speech_clause"]) and not _open_clause(
                words[opener:i], clause_len, language, t
            )
        opener = i
        words[i - 1].mark = "." if end else ","
        a = words[i - 1].text
        before = words[i - 2].text if i > 1 else ""
        said = (
            a in speech
            or before + a in speech  # jieba cuts 注意到 into 注意 + 到
            or (a == "了" and before in speech)
            or (len(a) > 1 and a[-1:] in t["speech_suffixes"])
        )
        held, clause_len = said and not end, 0
        if said:
            words[i - 1].mark = ","
        if end and not said:
            sent_len = 0
    return sent_len + sizes[-1]


METHODS = ("auto", "lm", "model", "rules")
"""How punctuation is restored: `lm` the language model (`punctlm`) over the rules and the veto
model, `model` the rules and the veto model (`punctmodel`), `rules` the rules alone; `auto` is
$VOICER_PUNCTUATION when set, else `lm` when its extra is installed, else `model`."""


def method(name: str = "auto") -> str:
    """The method `name` stands for (see `METHODS`); a user error when unknown or not installed."""
    import os

    from voicer.errors import InputError

    given = name
    if name == "auto":
        name = os.environ.get("VOICER_PUNCTUATION", "").strip().lower() or "auto"
    if name not in METHODS:
        what = f"VOICER_PUNCTUATION={name!r}" if given == "auto" else f"--punctuation {name!r}"
        raise InputError(f"{what} is not a punctuation method; use one of: {', '.join(METHODS)}.")
    from . import punctlm

    if name == "auto":
        return "lm" if punctlm.available() else "model"
    if name == "lm" and not punctlm.available():
        raise InputError(
            "Punctuation by language model needs its extra: pip install 'voicer[punct]' "
            "(or choose --punctuation model)."
        )
    return name


def restore(
    text: str,
    language: str,
    use_model: bool = True,
    punctuation: str = "model",
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    """Sentences of `text` with punctuation restored where it has none (by the rules; in Chinese
    the trained model in `punctmodel` then vetoes breaks, when `use_model` and its weights are
    there, and with `punctuation="lm"` the language model in `punctlm` decides the breaks)."""
    import gc

    # Hundreds of thousands of small objects: the cyclic collector would rescan them over and
    # over (they hold no cycles), which makes long inputs superlinear.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _restore(text, language, use_model and punctuation != "rules", punctuation == "lm", progress)
    finally:
        if enabled:
            gc.enable()


def _restore(
    text: str,
    language: str,
    use_model: bool = True,
    use_lm: bool = False,
    progress: Callable[[str], None] | None = None,
) -> list[str]:
    language = bank_language(language)
    t = _table(language)
    stats: dict[str, int] = {}
    toks = tokenize(text, language, stats)
    t = {**t, "hint": hint_weight(stats, t), "line_breaks": stats["breaks"]}
    if language != "en" and use_model:
        from . import punctmodel

        if punctmodel.packaged() is not None:
            t["reliability"] = punctmodel.reliability(stats["in_word"], stats["breaks"])
    glued = compounds([w.text for w in toks if w.kind == "w"])
    # Runs of words between existing punctuation get boundaries placed.
    run: list[Tok] = []
    sent_len = 0
    for tok in [*toks, Tok("", "e")]:
        if tok.kind == "w":
            run.append(tok)
        elif tok.kind in "ce":
            place = _place_model if t.get("reliability") else _place  # Chinese: the trained veto
            sent_len = place(run, language, t, glued, sent_len)
            if tok.kind == "e":
                sent_len = 0
            run = []
    if use_lm and language != "en":
        _place_lm(toks, t, glued, progress)
    return _sentences(toks, language, t)


def _place_lm(
    toks: list[Tok],
    t: dict[str, Any],
    glued: set[tuple[str, str]],
    progress: Callable[[str], None] | None = None,
) -> None:
    """Let the language model (`punctlm`) decide the marks between two words, reading the text
    with the rules' marks. Only in runs the source left unpunctuated for longer than a clause
    (`clause_max`): a punctuated text keeps its own sentences, and costs nothing."""
    from . import punctlm

    pieces: list[str] = []
    # (token index, piece index of its word, rules' cue, the next word's token index)
    gaps: list[tuple[int, int, float, int]] = []
    run: list[tuple[int, int]] = []  # the current run's words: (token index, piece index)

    def close_run() -> None:
        if sum(_length(toks[k].text, "zh") for k, _ in run) > t["clause_max"]:
            clause, sentence = _gap_scores([toks[k] for k, _ in run], "zh", t, glued)
            for j, (k, i) in enumerate(run[:-1]):
                nxt = run[j + 1][0]
                if (toks[k].text, toks[nxt].text) not in glued:
                    gaps.append((k, i, clause[j + 1] + sentence[j + 1], nxt))
        run.clear()

    for k, tok in enumerate(toks):
        if tok.kind == "m":
            continue  # [笑] is not speech
        if tok.kind in "ce":
            close_run()
        pieces.append(tok.space + tok.text)
        if tok.kind == "w":
            run.append((k, len(pieces) - 1))
            if tok.mark:
                pieces.append("。" if tok.mark == "." else "，")
    close_run()
    if not gaps:
        return
    if progress is not None:
        chars = sum(len(p) for p in pieces)
        progress(f"Restoring punctuation with the language model: {chars:,} characters.")
    p_end, p_clause = punctlm.probabilities(pieces)
    lm = t["lm"]
    # Captions cut where the speaker paused: line breaks that rarely cut a word, and lines no
    # longer than a clause (a few long lines are paragraphs, not pauses).
    size = sum(_length(tok.text, "zh") for tok in toks if tok.kind == "w")
    lines = t.get("line_breaks", 0)
    pauses = t["hint"] >= lm["keep_hint"] and lines >= 5 and size <= t["clause_max"] * (lines + 1)
    for k, i, cue, nxt in gaps:
        pause = toks[nxt].hint if pauses else None
        toks[k].mark = punctlm.decide(bool(toks[k].mark), float(p_end[i]), float(p_clause[i]), cue, lm, pause)


def continues(sentence: str, language: str, before: str = "") -> bool:
    """True when `sentence` cannot start a sentence of its own: it opens with a word that goes
    on with the one `before` (也/还/而是/不仅, "and"), or, in Chinese, with a verb, idiom or adverb
    that needs the subject before it (摇身一变成了..., 转型成了...); or `before` ends with a word
    that needs more (在/把/的, a verb of saying) or with a frame clause (不仅..., 如果...)."""
    language = bank_language(language)
    t = _table(language)
    found = [w for w in tokenize(sentence, language) if w.kind == "w"][:2]
    if not found:
        return False
    cues = bank(language)["chapters"]
    lowered = sentence.lower().lstrip()
    if any(lowered.startswith(c) for c in cues["cue_starts"] + cues["cue_contains"]):
        return False  # 下一个话题..., "moving on": a new topic starts here
    if any(lowered.startswith(c) for c in t.get("continue_prefixes", [])):
        return True  # 而不是...: jieba cuts it into words that could also open a sentence
    first = found[0].text.lower() if language == "en" else found[0].text
    starts = t["sentence_start_words"]
    if first in t.get("sentence_continue_starts", t["continue_starts"]) or starts.get(first, 0.0) < 0:
        return True
    if _needs_more(before, language, t):
        return True
    if first in t["start_words"] or starts.get(first, 0.0) > 0 or first in t["subject_words"]:
        return False
    tag = _tag(first, language)
    if tag == "?" and len(first) > 1:
        # A word jieba does not know (将会, 还顺带): its first character's adverb or verb reading.
        tag = "d" if starts.get(first[:1], 0.0) < 0 else _tag(first[:1], language)
    if tag[:1] in t.get("continue_tags", []):
        return True
    # 转型成了...: a noun used as a verb.
    return tag[:1] == "n" and len(found) > 1 and found[1].text in t.get("continue_after_noun", [])


def _needs_more(before: str, language: str, t: dict[str, Any]) -> bool:
    """True when the sentence `before` ends with a word that needs more (在, 把, 说), with a bare
    conjunction and subject (而消费者), or with a frame clause (不仅..., 如果...)."""
    toks = tokenize(before, language)
    cut = max((k for k, w in enumerate(toks) if w.kind == "c"), default=-1)
    tail = [w for w in toks[cut + 1 :] if w.kind == "w"]
    if not tail:
        return False
    last = tail[-1].text.lower() if language == "en" else tail[-1].text
    if len(tail) <= 2 and _tag(tail[0].text, language)[:1] == "c":
        return True
    return last in t["continue_ends"] or last in t["speech_verbs"] or _subordinate(tail, language, t)


def _is_question(words: list[str], language: str, t: dict[str, Any]) -> bool:
    if not words:
        return False
    if language == "en":
        # "What do you think", "Do you...": a wh-word before an auxiliary, or an inverted auxiliary.
        ws = [w.lower() for w in words[:3]]
        aux, wh = t["question_aux"], t["question_starts"]
        return (ws[0] in wh and any(w in aux for w in ws[1:3])) or (
            ws[0] in aux and len(ws) > 1 and ws[1] in t["question_subjects"]
        )
    return _is_question_zh(words, t)


def _is_question_zh(words: list[str], t: dict[str, Any]) -> bool:
    """A real question cue in the clause `words`: 吗/呢 at its end, A不A (是不是, 有没有), or a
    question word (什么/怎么/谁...) in a short clause or at its start, not in indefinite use
    (没有什么, 什么都, 就是为什么, 无论...什么)."""
    last = words[-1]
    # jieba keeps some particles inside the word (有用吗); 么 only alone (要么, 那么 are no questions).
    if last in t["question_finals"] or (len(last) > 1 and last[-1:] in t["question_final_suffixes"]):
        return True
    text = "".join(words)
    if re.search(t["question_a_not_a"], text):
        return True
    if any(w in t["question_indefinite"] for w in words):
        return False
    short = len(text) <= t["question_short"]
    for k, w in enumerate(words):
        if w in t["question_starts"] and (k == 0 or short):
            before = words[k - 1] if k else ""
            after = words[k + 1] if k + 1 < len(words) else ""
            if before not in t["question_not_after"] and after not in t["question_not_before"]:
                return True
    return False


def _sentences(toks: list[Tok], language: str, t: dict[str, Any]) -> list[str]:
    en = language == "en"
    out: list[str] = []
    buf = ""
    clause_words: list[str] = []
    sent_words: list[str] = []
    pending_end = False

    def close(mark: str) -> None:
        nonlocal buf, sent_words, clause_words
        if mark:
            question = _is_question(clause_words, language, t) or _is_question(sent_words[:1], language, t)
            buf = buf.rstrip() + (("?" if question else ".") if en else ("？" if question else "。"))
        out.append(buf.strip())
        buf, sent_words, clause_words = "", [], []

    for k, tok in enumerate(toks):
        if pending_end and tok.kind == "w":
            out.append(buf.strip())
            buf, sent_words, clause_words = "", [], []
            pending_end = False
        space = tok.space if buf else ""
        if not en and buf.endswith(("，", "。", "？")):
            space = ""
        if tok.kind == "w":
            buf += space + tok.text
            sent_words.append(tok.text)
            clause_words.append(tok.text)
            if tok.mark == ",":
                nxt = toks[k + 1] if k + 1 < len(toks) else None
                if nxt is None or nxt.kind == "w":
                    buf += "," if en else "，"
                clause_words = []
            elif tok.mark == ".":
                question = _is_question(clause_words, language, t) or _is_question(
                    sent_words[:1], language, t
                )
                buf += ("?" if question else ".") if en else ("？" if question else "。")
                pending_end = True
        elif tok.kind == "e":
            buf += tok.text
            pending_end = True
        else:
            buf += space + tok.text
            if tok.kind == "c":
                clause_words = []
    if buf.strip():
        close("" if pending_end or not sent_words else ".")
    return [s for s in out if _CONTENT.search(s) or s]
