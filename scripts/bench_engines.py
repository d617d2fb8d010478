"""Real-time factor (synthesis seconds / audio seconds) of each engine on a fixed zh and
en passage, with ratios measured in the same run.

    python scripts/bench_engines.py                    # offline + Coqui (default-size VITS) on CPU
    python scripts/bench_engines.py --devices cpu cuda # also Coqui on a GPU (ratio CUDA vs CPU)
    python scripts/bench_engines.py --size tiny        # quick run with the test-size model

The Coqui model has random weights (real models cannot be downloaded here), built with
tests/coqui_fixtures.py at Coqui's default VITS size: the compute per second of audio
is that of a real VITS model, the sound is noise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TRANSCRIPTS = ROOT.parent / "shared" / "transcripts"
EN_PASSAGE = (
    "Welcome back to the show. Today we talk about open source models, why Meta gives Llama "
    "away, and what that means for everyone who builds on top of it. Our guest has spent "
    "twenty years building graphics chips, so expect some strong opinions."
)


def zh_passage() -> str:
    path = TRANSCRIPTS / "dafei-monologue.zh.txt"
    if path.is_file():
        rows = [r.strip() for r in path.read_text(encoding="utf-8").splitlines() if r.strip()]
        return "，".join(rows[:8]) + "。"
    return (
        "大家好，这里是最佳拍档，我是大飞。最近扎克伯格真的是风头无两啊，凭借着上周发布的模型，股价回升了。"
    )


def measure(engine, voice, text: str, language: str, repeats: int) -> tuple[float, float]:
    """(median seconds per synthesis, audio seconds) after one warm-up call."""
    audio, sr = engine.synthesize(text, voice, language)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        audio, sr = engine.synthesize(text, voice, language)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(audio) / sr


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", nargs="+", default=["cpu"], help="devices for Coqui (cpu, cuda, mps)")
    ap.add_argument("--size", choices=["tiny", "default"], default="default", help="Coqui VITS size")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    ap.add_argument("--skip-coqui", action="store_true")
    args = ap.parse_args()

    from voicer.engines import default_cast, get_engine, load_voices

    passages = {"zh": zh_passage(), "en": EN_PASSAGE}
    voices = load_voices()
    rows: list[tuple[str, str, float, float]] = []  # (engine label, language, seconds, audio seconds)

    offline = get_engine("offline")
    for lang, text in passages.items():
        voice = voices[default_cast(lang, "offline")[0]]
        sec, dur = measure(offline, voice, text, lang, args.repeats)
        rows.append(("offline eSpeak NG", lang, sec, dur))

    if not args.skip_coqui:
        import coqui_fixtures
        import torch

        if args.threads:
            torch.set_num_threads(args.threads)
        from voicer.engines.voices import load_voices as load_with

        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            t0 = time.perf_counter()
            for lang, code in (("zh", "zh-cn"), ("en", "en")):
                mp, cp = coqui_fixtures.build_vits(tmpdir / code, code, size=args.size)
                (tmpdir / f"bench-{lang}.toml").write_text(
                    coqui_fixtures.preset_toml(f"bench-{lang}", lang, mp, cp, coqui_fixtures.SPEAKERS[0])
                )
            print(f"built two {args.size} random-weight VITS models in {time.perf_counter() - t0:.1f} s")
            bench_voices = load_with([tmpdir])
            for device in args.devices:
                engine = get_engine("coqui", device=device)
                for lang, text in passages.items():
                    sec, dur = measure(engine, bench_voices[f"bench-{lang}"], text, lang, args.repeats)
                    rows.append((f"coqui VITS-{args.size} {engine.device}", lang, sec, dur))
                engine.close()

    threads = ""
    if not args.skip_coqui:
        import torch

        threads = f", torch threads {torch.get_num_threads()}"
    print(f"\nreal-time factor = synthesis s / audio s (median of {args.repeats}{threads})")
    print(f"{'engine':32} {'lang':4} {'synth s':>8} {'audio s':>8} {'RTF':>8}")
    rtf: dict[tuple[str, str], float] = {}
    for label, lang, sec, dur in rows:
        rtf[(label, lang)] = sec / dur
        print(f"{label:32} {lang:4} {sec:8.3f} {dur:8.2f} {sec / dur:8.4f}")
    print("\nratios (same run):")
    labels = list(dict.fromkeys(label for label, *_ in rows))
    base = labels[0]
    for label in labels[1:]:
        for lang in passages:
            if (label, lang) in rtf:
                print(f"  {label} / {base} [{lang}]: {rtf[(label, lang)] / rtf[(base, lang)]:.0f}x slower")
    cpu = [label for label in labels if label.endswith(" cpu")]
    gpu = [label for label in labels if label.startswith("coqui") and not label.endswith(" cpu")]
    for g in gpu:
        for lang in passages:
            if cpu and (g, lang) in rtf:
                print(f"  {cpu[0]} / {g} [{lang}]: {rtf[(cpu[0], lang)] / rtf[(g, lang)]:.1f}x faster on GPU")


if __name__ == "__main__":
    main()
