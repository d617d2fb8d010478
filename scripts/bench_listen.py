#!/usr/bin/env python
"""Listener benchmark: what a person hears from each engine, measured offline.

Needs the `listen` extra (`pip install -e '.[listen]'`) and ../shared/transcripts.

For each engine and voice (default: the two default hosts per language, eSpeak NG as the
baseline measured in the same run), whole sentences are synthesized the way render does
(normalize, chunk, synthesize), transcribed by Whisper base (deterministic decoding) and
scored: CER for Mandarin (also on the sentences with Latin words), WER for English, after
folding both sides the same way (voicer/listen.py). DNSMOS OVRL/SIG/P.808 is a coarse
naturalness proxy; RTF is synthesis time over audio duration.

    python scripts/bench_listen.py                      # kokoro + offline, default hosts
    python scripts/bench_listen.py --styles jf_nezumi,jm_kumo*0.7+jf_alpha*0.3 --speed 0.95
    python scripts/bench_listen.py --monologue          # also the render-speed targets

`--monologue` renders the shared monologue with the default engine: render time over audio
duration, render time over the bare model calls for the same chunks, and a re-render after
one edited turn over the full render.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "transcripts"
EN_FILE = Path(__file__).resolve().parent / "data" / "listen_en.txt"
_LATIN = re.compile(r"[A-Za-z]{2,}")
_MIN_CHARS = 40  # ~8 s of Mandarin speech: Whisper base hallucinates on short clips

sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Sentence:
    text: str
    language: str
    latin: bool


def _evenly(items: list[str], k: int) -> list[str]:
    if k >= len(items):
        return items
    return [items[(i * len(items)) // k] for i in range(k)]


def zh_sentences(n: int) -> list[Sentence]:
    """Half with Latin words, half without, spread over both shared transcripts."""
    from voicer.ingest import load_transcript
    from voicer.script import split_sentences

    cands: list[str] = []
    buf = ""
    for seg in load_transcript(SHARED / "dafei-monologue.zh.txt").segments:
        if seg.kind == "speech":  # subtitle lines: join them into sentences
            sep = "" if not buf or buf[-1] in "，。！？!?," else "，"
            buf = f"{buf}{sep}{seg.text}"
            if len(buf) >= _MIN_CHARS:
                cands.append(buf if buf[-1] in "。！？!?" else buf + "。")
                buf = ""
    for seg in load_transcript(SHARED / "huang-zuckerberg-interview.zh.md").segments:
        if seg.kind == "speech":
            cands += [s for s in split_sentences(seg.text, "zh") if _MIN_CHARS <= len(s) <= 80]
    latin = [c for c in cands if _LATIN.search(c)]
    plain = [c for c in cands if not _LATIN.search(c)]
    k = n // 2
    return [Sentence(s, "zh", True) for s in _evenly(latin, k)] + [
        Sentence(s, "zh", False) for s in _evenly(plain, n - k)
    ]


def en_sentences(n: int) -> list[Sentence]:
    lines = [ln.strip() for ln in EN_FILE.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln and not ln.startswith("#")]
    return [Sentence(s, "en", bool(re.search(r"\d", s))) for s in lines[:n]]


def style_voice(spec: str, language: str, speed: float) -> Any:
    """An ad-hoc Kokoro voice: "jf_nezumi" or a blend "jm_kumo*0.7+jf_alpha*0.3"."""
    from voicer.model import Voice

    blend: dict[str, float] = {}
    for part in spec.split("+"):
        name, _, w = part.partition("*")
        blend[name.strip()] = float(w or 1.0)
    value: Any = next(iter(blend)) if len(blend) == 1 else blend
    settings = {"voice": value, "speed": speed}
    return Voice(name=f"{spec}@{speed:g}", language=language, engines={"kokoro": settings})


def speak(engine: Any, voice: Any, sentence: Sentence, gap: float = 0.12) -> tuple[Any, int, float]:
    """(samples, rate, seconds spent synthesizing), chunked the way render does."""
    import numpy as np

    from voicer.text import prepare

    chunks = [
        c for c in prepare(sentence.text, sentence.language, engine.max_chars(sentence.language)) if c.strip()
    ]
    t0 = time.perf_counter()
    parts: list[Any] = []
    rate = engine.traits.sample_rate
    for c in chunks:
        samples, rate = engine.synthesize(c, voice, sentence.language)
        parts += [samples, np.zeros(int(gap * rate), dtype=np.float32)]
    spent = time.perf_counter() - t0
    audio = np.concatenate(parts[:-1]) if parts else np.zeros(0, dtype=np.float32)
    return audio, rate, spent


@dataclass
class Row:
    engine: str
    voice: str
    language: str
    errors: list[float] = field(default_factory=list)
    latin_errors: list[float] = field(default_factory=list)
    ovrl: list[float] = field(default_factory=list)
    sig: list[float] = field(default_factory=list)
    p808: list[float] = field(default_factory=list)
    synth_s: float = 0.0
    audio_s: float = 0.0


def measure(engine: Any, voice: Any, sentences: list[Sentence], listener: Any, verbose: bool) -> Row:
    from voicer.listen import dnsmos, error_rate

    row = Row(engine.name, voice.name, sentences[0].language)
    speak(engine, voice, sentences[0])  # warm-up: load the model outside the timing
    for s in sentences:
        audio, rate, spent = speak(engine, voice, s)
        heard = listener.transcribe(audio, rate, s.language)
        err = error_rate(s.text, heard, s.language)
        mos = dnsmos(audio, rate)
        row.errors.append(err)
        if s.latin:
            row.latin_errors.append(err)
        row.ovrl.append(mos.ovrl)
        row.sig.append(mos.sig)
        row.p808.append(mos.p808)
        row.synth_s += spent
        row.audio_s += len(audio) / rate
        if verbose:
            print(f"  {voice.name:>14} {err:5.2f} | {s.text}\n  {'':>14}       | {heard}", flush=True)
    return row


def _mean(xs: list[float]) -> str:
    return f"{statistics.fmean(xs):.2f}" if xs else "  -"


def print_table(rows: list[Row]) -> None:
    # Baseline: eSpeak NG (offline) over all its hosts, per language, from the same run.
    base = {
        lang: statistics.fmean(
            e for r in rows if r.engine == "offline" and r.language == lang for e in r.errors
        )
        for lang in {r.language for r in rows if r.engine == "offline"}
    }
    print(
        "\n| engine | voice | lang | n | CER/WER | on Latin/number sentences | vs eSpeak "
        "| DNSMOS OVRL | SIG | P.808 | RTF |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        err = statistics.fmean(r.errors)
        ratio = f"{err / base[r.language]:.2f}x" if base.get(r.language) else "-"
        print(
            f"| {r.engine} | {r.voice} | {r.language} | {len(r.errors)} | {err:.2f} | "
            f"{_mean(r.latin_errors)} | {ratio} | {_mean(r.ovrl)} | {_mean(r.sig)} | {_mean(r.p808)} | "
            f"{r.synth_s / max(r.audio_s, 1e-9):.2f} |"
        )


def voices_for(engine: Any, language: str, args: argparse.Namespace, voices: dict[str, Any]) -> list[Any]:
    from voicer.engines import default_cast

    if args.styles and engine.name == "kokoro":
        return [style_voice(s, language, args.speed) for s in args.styles.split(",")]
    names = args.voices.split(",") if args.voices else list(default_cast(language, engine.name))
    return [voices[n] for n in names if voices[n].language == language]


def bare_model_seconds(script: Any, engine: Any, voices: dict[str, Any]) -> float:
    """Seconds the model alone spends on the same chunks (one session, every core)."""
    import os

    import numpy as np

    from voicer.engines import kokoro as kk
    from voicer.text import prepare

    calls = []
    for _, _, turn in script.turns():
        voice = voices[script.host(turn.speaker).voice]
        s = kk.kokoro_settings(voice)
        for chunk in prepare(turn.text, script.language, engine.max_chars(script.language)):
            for ids in kk._split_tokens(engine.phonemes(chunk, script.language), kk._vocab()):
                calls.append((ids, kk.style_table(s), s.speed))
    sess = kk._session(kk.packaged_model(None)[0], "cpu", os.cpu_count() or 1)
    spent = 0.0
    for ids, styles, speed in calls:
        feed = {
            "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
            "style": styles[min(len(ids), len(styles)) - 1].reshape(1, 256),
            "speed": np.array([speed], dtype=np.float32),
        }
        t0 = time.perf_counter()
        sess.run(None, feed)
        spent += time.perf_counter() - t0
    return spent


def bench_monologue(max_turns: int) -> None:
    """Render the shared monologue with the default engine: speed, overhead, re-render."""
    import copy
    import tempfile

    from voicer.api import load_transcript, make_script
    from voicer.engines import get_engine, load_voices
    from voicer.synth import synthesize_script

    script = make_script(load_transcript(SHARED / "dafei-monologue.zh.txt"))
    if max_turns:
        left = max_turns
        for ch in script.chapters:
            ch.turns, left = ch.turns[:left], max(0, left - len(ch.turns))
        script.chapters = [ch for ch in script.chapters if ch.turns]
    engine, voices = get_engine("auto"), load_voices()
    print(f"\nmonologue: {len(script.turns())} turns, engine {engine.name} ({engine.note})", flush=True)
    with tempfile.TemporaryDirectory() as cache:
        t0 = time.perf_counter()
        first = synthesize_script(script, engine=engine, voices=voices, cache_dir=cache)
        full = time.perf_counter() - t0
        edited = copy.deepcopy(script)
        _, _, turn = edited.turns()[len(edited.turns()) // 2]
        turn.text = turn.text.rstrip("。") + "，对吧？"
        t0 = time.perf_counter()
        second = synthesize_script(edited, engine=engine, voices=voices, cache_dir=cache)
        again = time.perf_counter() - t0
    audio_s = sum(len(a.samples) / a.sample_rate for a in first.audio)
    bare = bare_model_seconds(script, engine, voices) if engine.name == "kokoro" else float("nan")
    print("| measure | seconds | ratio | target |\n|---|---|---|---|")
    print(f"| audio of the episode | {audio_s:.1f} | | |")
    print(
        f"| full render ({first.workers} workers, {first.pool}) | {full:.1f} | "
        f"{full / audio_s:.3f}x audio | <= 0.3x |"
    )
    print(f"| bare model calls, same chunks | {bare:.1f} | voicer {full / bare:.3f}x bare | <= 1.05x |")
    print(
        f"| re-render after one edited turn ({second.synthesized} synthesized) | {again:.1f} | "
        f"{again / full:.3f}x full | <= 0.05x |"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--engines", default="kokoro,offline", help="comma-separated engine names")
    ap.add_argument("--zh", type=int, default=20, help="Mandarin sentences (half with Latin words)")
    ap.add_argument("--en", type=int, default=10, help="English sentences")
    ap.add_argument("--voices", default="", help="preset names (default: the two default hosts)")
    ap.add_argument("--styles", default="", help="Kokoro styles or blends to try instead of presets")
    ap.add_argument("--speed", type=float, default=1.0, help="speed for --styles")
    ap.add_argument("--monologue", action="store_true", help="also measure the monologue render")
    ap.add_argument("--monologue-turns", type=int, default=0, help="only the first N turns (0: all)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print every sentence and transcript")
    args = ap.parse_args(argv)
    if not SHARED.is_dir():
        print(f"needs the shared transcripts at {SHARED}", file=sys.stderr)
        return 2

    from voicer.engines import get_engine, load_voices
    from voicer.listen import Listener

    voices = load_voices()
    listener = Listener()
    sets = {"zh": zh_sentences(args.zh), "en": en_sentences(args.en)}
    rows: list[Row] = []
    for name in args.engines.split(","):
        engine = get_engine(name.strip())
        for language, sentences in sets.items():
            if not sentences:
                continue
            for voice in voices_for(engine, language, args, voices):
                rows.append(measure(engine, voice, sentences, listener, args.verbose))
                print_table(rows[-1:])
    print_table(rows)
    if args.monologue:
        bench_monologue(args.monologue_turns)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
