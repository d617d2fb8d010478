"""Benchmark punctuation restoration (`voicer.script.split_sentences`) on unpunctuated subtitles.

Method: take the speech of the shared interview (a punctuated Mandarin text), strip its
punctuation, cut it into random subtitle lines of 6-16 characters (fixed seed; never inside a
Latin word or number), restore it with `split_sentences`, align the result with the source by
its content characters (Han, letters, digits: restoration only adds punctuation) and score:

- sentence ends (。！？!?… in the source) : precision, recall, F1;
- clause boundaries (any punctuation in the source) : F1 of any restored punctuation;
- mid-phrase breaks: restored punctuation where the source had none, per 100 characters;
- question marks: precision of restored "？" and recall among the source questions whose end
  was found;
- breaks inside a word: restored punctuation inside a jieba word (or Latin word) of the source;
- time against input length (unpunctuated text repeated to each size): linear means the
  seconds per 100k characters stay flat.

The baseline, measured in the same run, is "every line break is a clause, every fourth one a
sentence end" (what a subtitle file gives without restoration). Rows: "rules" (no model),
"voicer" (the rules and the veto model: `--punctuation model`), and "voicer + LM" (the language
model, `--punctuation lm`, when the punct extra is installed; timed from an empty cache on the
whole input and on half of it, apart from the CPU-time rows below). Run:
    python scripts/bench_sentences.py [--seed 0] [--sizes 100000,300000,1000000]
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

INTERVIEW = (
    Path(__file__).resolve().parents[2] / "shared" / "transcripts" / "huang-zuckerberg-interview.zh.md"
)
_CONTENT = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaffA-Za-z0-9]")
_LATIN = re.compile(r"[A-Za-z0-9]")
SENTENCE_END = set("。！？!?…")
PUNCT = set("。！？!?…，,、；;：:—–-“”\"‘’'《》〈〉「」『』（）()【】[]·.~～")


def boundaries(text: str) -> tuple[int, dict[int, str]]:
    """(content length, {position: "s" | "c"}): punctuation after content char position-1."""
    n = 0
    out: dict[int, str] = {}
    for i, ch in enumerate(text):
        if _CONTENT.match(ch):
            n += 1
        elif ch in PUNCT and n > 0:
            # A dot between two Latin/digit characters (3.1) is part of the word.
            if ch in ".'’-" and i + 1 < len(text) and _LATIN.match(text[i + 1]) and _LATIN.match(text[i - 1]):
                continue
            kind = "q" if ch in "？?" else "s" if ch in SENTENCE_END else "c"
            if out.get(n) not in ("s", "q") or kind == "q":
                out[n] = kind
    return n, out


def strip_punct(text: str) -> str:
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in PUNCT:
            prev, nxt = text[i - 1 : i], text[i + 1 : i + 2]
            if prev and nxt and _LATIN.match(prev) and _LATIN.match(nxt):
                out.append(ch if ch in ".'’-" else " ")
            continue
        out.append(ch)
    return re.sub(r"\s+", " ", "".join(out))


def unpunctuated(segments: list[str]) -> str:
    """The segments without punctuation, run together as one caption stream."""
    out = ""
    for seg in segments:
        piece = strip_punct(seg).strip()
        if out and piece and _LATIN.match(out[-1]) and _LATIN.match(piece[0]):
            out += " "
        out += piece
    return out


def cut_lines(text: str, rng: random.Random) -> list[str]:
    """Random subtitle lines of 6-16 characters, never cutting a Latin word or number."""
    lines: list[str] = []
    i = 0
    while i < len(text):
        j = min(len(text), i + rng.randint(6, 16))
        while 0 < j < len(text) and _LATIN.match(text[j - 1]) and re.match(r"[A-Za-z0-9.'’-]", text[j]):
            j += 1
        line = text[i:j].strip()
        if line:
            lines.append(line)
        i = j
    return lines


def caption_lines(segments: list[str], rng: random.Random) -> list[str]:
    """Lines as a captioner cuts them: at the source's punctuation (a pause), a clause longer
    than 16 characters also between two jieba words."""
    from voicer.resources import jieba as _jieba

    lines: list[str] = []
    for seg in segments:
        for clause in re.split(r"[。！？!?…，,、；;：:“”\"（）()《》]+", seg):
            words = [w for w in _jieba().lcut(strip_punct(clause).strip()) if w.strip()]
            line = ""
            limit = rng.randint(8, 16)
            for w in words:
                if len(line) >= limit:
                    lines.append(line)
                    line, limit = "", rng.randint(8, 16)
                line += (" " if line and _LATIN.match(line[-1]) and _LATIN.match(w[0]) else "") + w
            if line:
                lines.append(line)
    return lines


def word_internal(segments: list[str]) -> set[int]:
    """Content positions that fall inside a jieba word (or Latin word) of the source."""
    from voicer.resources import jieba as _jieba

    jieba = _jieba()
    inside: set[int] = set()
    pos = 0
    for seg in segments:
        for w in jieba.lcut(seg):
            k = len(_CONTENT.findall(w))
            inside.update(range(pos + 1, pos + k))
            pos += k
    return inside


def score(gold: dict[int, str], pred: dict[int, str], n: int, inside: set[int]) -> dict[str, float]:
    gs = {p for p, k in gold.items() if k in "sq" and p < n}
    ps = {p for p, k in pred.items() if k in "sq" and p < n}
    # "？": among the restored sentence ends that match a source sentence end, how many
    # question marks are right (precision) and how many source questions got one (recall).
    gq = {p for p, k in gold.items() if k == "q" and p < n}
    pq = {p for p, k in pred.items() if k == "q" and p < n}
    gc = {p for p in gold if p < n}
    pc = {p for p in pred if p < n}
    tp = len(gs & ps)
    prec = tp / len(ps) if ps else 0.0
    rec = tp / len(gs) if gs else 0.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    ctp = len(gc & pc)
    cp, cr = (ctp / len(pc) if pc else 0.0), (ctp / len(gc) if gc else 0.0)
    cf1 = 2 * cp * cr / (cp + cr) if cp + cr else 0.0
    return {
        "P": prec,
        "R": rec,
        "F1": f1,
        "clauseF1": cf1,
        "mid/100": 100 * len(pc - gc) / n,
        "in-word": float(len(pc & inside)),
        "?P": len(pq & gq) / len(pq) if pq else 0.0,
        "?R": len(pq & gq) / len(gq & ps) if gq & ps else 0.0,
    }


def baseline(lines: list[str]) -> str:
    return "".join(line + ("。" if k % 4 == 3 else "，") for k, line in enumerate(lines))


def timed(fn: Callable[[], object]) -> float:
    """CPU seconds of this process (the wall clock on a shared machine measures the neighbours)."""
    t0 = time.process_time()
    fn()
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--path", type=Path, default=INTERVIEW)
    parser.add_argument("--sizes", default="100000,300000,1000000", help="input lengths to time")
    parser.add_argument("--model", type=Path, help="punctuation weights to use instead of the shipped ones")
    args = parser.parse_args()

    from voicer.ingest import load_transcript
    from voicer.script import split_sentences
    from voicer.script.punctuate import restore

    tr = load_transcript(args.path)
    from voicer.model import spoken_text

    # Markers ([笑]) are not speech: a subtitle file has none of them.
    segments = [
        spoken_text(s.text)
        for s in tr.segments
        if s.kind == "speech" and _CONTENT.search(spoken_text(s.text))
    ]
    gold_text = "\n".join(segments)
    n, gold = boundaries("。".join(segments))  # every segment ends a sentence
    inside = word_internal(segments)
    lines = cut_lines(unpunctuated(segments), random.Random(args.seed))
    raw = "\n".join(lines)
    assert len(_CONTENT.findall(raw)) == n == len(_CONTENT.findall(gold_text))

    if args.model:
        from voicer.script import punctmodel

        punctmodel.packaged.cache_clear()
        trained = punctmodel.read(args.model)
        punctmodel.packaged = lambda: trained  # type: ignore[assignment]

    def rules(text: str) -> str:
        return "".join(restore(text, "zh", use_model=False))

    from voicer.script import punctlm

    lm = punctlm.available()

    def with_lm(text: str) -> str:
        return "".join(split_sentences(text, "zh", "lm"))

    t0 = time.perf_counter()
    restored = "".join(split_sentences(raw, "zh"))
    secs = time.perf_counter() - t0
    rows = [("baseline: line = clause", score(gold, boundaries(baseline(lines))[1], n, inside))]
    rows.append(("rules, random lines", score(gold, boundaries(rules(raw))[1], n, inside)))
    rows.append(("voicer, random lines", score(gold, boundaries(restored)[1], n, inside)))
    captions = caption_lines(segments, random.Random(args.seed))
    caption_raw = "\n".join(captions)
    assert len(_CONTENT.findall(caption_raw)) == n
    rows.append(("baseline, caption lines", score(gold, boundaries(baseline(captions))[1], n, inside)))
    rows.append(("rules, caption lines", score(gold, boundaries(rules(caption_raw))[1], n, inside)))
    rows.append(
        (
            "voicer, caption lines",
            score(gold, boundaries("".join(split_sentences(caption_raw, "zh")))[1], n, inside),
        )
    )
    one_line = unpunctuated(segments)
    rows.append(("rules, one line", score(gold, boundaries(rules(one_line))[1], n, inside)))
    rows.append(
        ("voicer, one line", score(gold, boundaries("".join(split_sentences(one_line, "zh")))[1], n, inside))
    )
    if lm:
        import os
        import tempfile

        # A fresh cache, so the time is the model reading, not the cache answering.
        os.environ["VOICER_CACHE_DIR"] = tempfile.mkdtemp(prefix="bench-sentences-")
        half = "\n".join(lines[: len(lines) // 2])
        t0 = time.perf_counter()
        with_lm(half)
        half_secs = time.perf_counter() - t0
        t0 = time.perf_counter()
        rows.append(("voicer + LM, random lines", score(gold, boundaries(with_lm(raw))[1], n, inside)))
        lm_secs = time.perf_counter() - t0
        for kind, text in (("caption lines", caption_raw), ("one line", one_line)):
            rows.append((f"voicer + LM, {kind}", score(gold, boundaries(with_lm(text))[1], n, inside)))
    print(f"{args.path.name}: {n} characters, {len(lines)} subtitle lines, restored in {secs:.2f} s")
    if lm:
        print(
            f"with the language model: {lm_secs:.1f} s ({lm_secs / n * 1000:.2f} s per 1,000 characters); "
            f"half the lines: {half_secs:.1f} s (full / half = {lm_secs / half_secs:.2f}, 2.0 = linear)"
        )
    keys = list(rows[0][1])
    print(f"{'':28}" + "".join(f"{k:>10}" for k in keys))
    for name, r in rows:
        print(f"{name:28}" + "".join(f"{r[k]:10.3f}" for k in keys))
    for (bn, b), (vn, v) in ((rows[0], rows[2]), (rows[1], rows[2]), (rows[3], rows[5]), (rows[4], rows[5])):
        print(
            f"ratio {vn} / {bn}: " + "F1 x{:.2f}, mid-phrase x{:.2f}".format(
                v["F1"] / b["F1"] if b["F1"] else float("inf"),
                v["mid/100"] / b["mid/100"] if b["mid/100"] else 0.0,
            )
        )
    if lm:
        named = dict(rows)
        for kind in ("random lines", "caption lines", "one line"):
            v, b = named[f"voicer + LM, {kind}"], named[f"voicer, {kind}"]
            print(
                f"ratio voicer + LM / voicer, {kind}: F1 x{v['F1'] / b['F1']:.2f}, "
                f"mid-phrase x{v['mid/100'] / b['mid/100']:.2f}"
            )

    sizes = [int(s) for s in args.sizes.split(",") if s]
    per: list[float] = []
    for size in sizes:
        text = (raw + "\n") * (size // len(raw) + 1)
        text = text[:size]
        s = timed(lambda text=text: split_sentences(text, "zh"))
        one = timed(lambda text=text: split_sentences(text.replace("\n", ""), "zh"))
        per.append(max(s, one) / size * 100_000)
        print(
            f"CPU time {size:>9} chars: {s:6.2f} s in lines, {one:6.2f} s on one line ({per[-1]:.3f} s/100k)"
        )
    if len(per) > 1:
        print(f"linearity: s/100k at largest / smallest = {per[-1] / per[0]:.2f} (1.0 = linear)")


if __name__ == "__main__":
    main()
