"""Benchmark voicer.text normalization on the shared interview transcript.

Prints throughput (characters per second) of `normalize` over the whole transcript and
paragraph by paragraph (as render calls it, once per turn), of `prepare` (normalize + chunk),
and of a baseline measured in the same run: plain `cn2an.transform(text, "an2cn")` over the same
text, as ratios. Run: python scripts/bench_text.py [--repeat N]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

INTERVIEW = (
    Path(__file__).resolve().parents[2] / "shared" / "transcripts" / "huang-zuckerberg-interview.zh.md"
)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Median seconds of `repeat` runs (after one warm-up run that loads data and caches)."""
    fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--path", type=Path, default=INTERVIEW)
    args = parser.parse_args()

    import warnings

    import cn2an

    warnings.simplefilter("ignore")  # cn2an warns about the long digit strings in URLs

    from voicer.text import normalize, prepare
    from voicer.text.lexicon import default_lexicon

    text = args.path.read_text(encoding="utf-8")
    paras = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
    n = len(text)
    lex = default_lexicon()

    rows = [
        ("cn2an.transform (baseline)", best_of(lambda: cn2an.transform(text, "an2cn"), args.repeat)),
        ("normalize, whole text", best_of(lambda: normalize(text, "zh", lex), args.repeat)),
        ("normalize, per paragraph", best_of(lambda: [normalize(p, "zh", lex) for p in paras], args.repeat)),
        (
            "prepare (normalize+chunk 82)",
            best_of(lambda: [prepare(p, "zh", 82, lex) for p in paras], args.repeat),
        ),
    ]
    base = rows[0][1]
    print(f"{args.path.name}: {n} characters, {len(paras)} paragraphs, median of {args.repeat} runs")
    print(f"{'':30} {'seconds':>9} {'chars/s':>12} {'speed vs baseline':>18}")
    for name, secs in rows:
        print(f"{name:30} {secs:9.4f} {n / secs:12,.0f} {base / secs:17.2f}x")


if __name__ == "__main__":
    main()
