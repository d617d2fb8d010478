"""Real-time factor (synthesis s / audio s) and turns per minute of each engine and model,
per device and per model-replica count, with ratios against a baseline measured in the
same run (eSpeak NG, offline).

    python scripts/bench_engines.py                           # CPU: offline, VITS, XTTS
    python scripts/bench_engines.py --devices cpu cuda        # also on the GPU (1, 2, 4 replicas)
    python scripts/bench_engines.py --models xtts --devices cuda --replicas 1 4 8 --turns 64
    python scripts/bench_engines.py --xtts-gpt tiny --vits-size tiny   # quick, test-size models

The Coqui models have random weights (real ones cannot be downloaded here), built with
tests/coqui_fixtures.py. VITS at Coqui's default size; XTTS with xtts_v2's GPT (30 layers,
width 1024) and its real decoder. A random GPT never emits its stop token, so every XTTS
generation runs to `--audio-tokens` codes (about 21.5 per second of audio): the compute per
second of audio is that of the real model, the sound is noise. Turns per minute: `--turns`
turns of the zh passage through one engine per replica (replicas > 1: that many worker
processes on one GPU, each with its own model, as `voicer render --gpu-workers N` runs them).

Batching (VITS): `--batch-sizes 1 8` speaks `--batch-turns` long zh turns (several
engine-sized chunks each, as render cuts them) through render's own turn function with
one engine per batch size, in this process; RTF and turns/min per batch size, and the
ratio against batch size 1 measured in the same run.

    python scripts/bench_engines.py --models vits --batch-sizes 1 4 8
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

TRANSCRIPTS = ROOT.parent / "shared" / "transcripts"
EN_TURN = "Welcome back to the show. Today we talk about open source models and why Meta gives Llama away."
ZH_FALLBACK = (
    "大家好，这里是最佳拍档，我是大飞。最近扎克伯格真的是风头无两啊，凭借着上周发布的模型，股价回升了。"
)


def zh_turn() -> str:
    """About 80 characters of the real monologue (one engine-sized chunk)."""
    path = TRANSCRIPTS / "dafei-monologue.zh.txt"
    if not path.is_file():
        return ZH_FALLBACK
    rows = [r.strip() for r in path.read_text(encoding="utf-8").splitlines() if r.strip()]
    return ("，".join(rows[:6]) + "。")[:80]


# ------------------------------------------------------------------ models and voices


def build_presets(tmp: Path, args: argparse.Namespace) -> Path:
    import coqui_fixtures

    presets = tmp / "presets"
    presets.mkdir()
    t0 = time.perf_counter()
    if "vits" in args.models:
        for lang, code in (("zh", "zh-cn"), ("en", "en")):
            mp, cp = coqui_fixtures.build_vits(tmp / f"vits-{code}", code, size=args.vits_size)
            text = coqui_fixtures.preset_toml(f"vits-{lang}", lang, mp, cp, coqui_fixtures.SPEAKERS[0])
            (presets / f"vits-{lang}.toml").write_text(text)
    if "xtts" in args.models:
        folder = coqui_fixtures.build_xtts(
            tmp / "xtts", gpt=args.xtts_gpt, max_audio_tokens=args.audio_tokens + 3
        )
        for lang in ("zh", "en"):
            text = coqui_fixtures.xtts_preset_toml(f"xtts-{lang}", lang, folder, speaker="host_a")
            (presets / f"xtts-{lang}.toml").write_text(text)
    print(f"built the random-weight models in {time.perf_counter() - t0:.1f} s", flush=True)
    return presets


# ------------------------------------------------------------------ measuring


def rtf(engine: Any, voice: Any, text: str, language: str, repeats: int) -> tuple[float, float]:
    """(median synthesis seconds, audio seconds) after one warm-up call."""
    audio, sr = engine.synthesize(text, voice, language)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        audio, sr = engine.synthesize(text, voice, language)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), len(audio) / sr


_WORKER: dict[str, Any] = {}


def _init_worker(kind: str, device: str, presets: str, threads: int) -> None:
    import torch

    from voicer.engines import get_engine, load_voices

    if threads:
        torch.set_num_threads(threads)
    _WORKER["engine"] = get_engine(kind, device=device)
    _WORKER["voices"] = load_voices([presets])


def _speak(job: tuple[str, str, str]) -> float:
    name, text, language = job
    audio, sr = _WORKER["engine"].synthesize(text, _WORKER["voices"][name], language)
    return len(audio) / sr


def turns_per_minute(kind: str, device: str, voice: str, presets: Path, replicas: int, args) -> float:
    """Turns per minute of wall time with `replicas` worker processes (models loaded and
    warmed up before the clock starts)."""
    threads = args.threads or (1 if device.startswith("cuda") else 0)
    ctx = multiprocessing.get_context("spawn")
    init = (kind, device, str(presets), threads)
    with ProcessPoolExecutor(replicas, mp_context=ctx, initializer=_init_worker, initargs=init) as pool:
        list(pool.map(_speak, [(voice, "你好。", "zh")] * replicas))  # load + warm every replica
        jobs = [(voice, zh_turn(), "zh")] * args.turns
        t0 = time.perf_counter()
        list(pool.map(_speak, jobs))
        return args.turns / ((time.perf_counter() - t0) / 60)


def long_zh_turns(n: int) -> list[str]:
    """`n` different turns of about 240 characters of the real monologue (3 engine-sized
    chunks each), or the fallback passage repeated."""
    path = TRANSCRIPTS / "dafei-monologue.zh.txt"
    rows = (
        [r.strip() for r in path.read_text(encoding="utf-8").splitlines() if r.strip()]
        if path.is_file()
        else []
    )
    text = "，".join(rows) + "。" if rows else ZH_FALLBACK * (n * 3)
    return [text[i * 240 : (i + 1) * 240] for i in range(n)]


def batching(device: str, presets: Path, args, rows: list[tuple]) -> None:
    """VITS turns per minute and RTF per batch size (one engine each, render's turn
    function). The sizes take turns, `--batch-rounds` times, and each keeps its fastest
    round: on a shared machine another process's burst then hits no size in particular."""
    from voicer.engines import load_voices
    from voicer.engines.coqui import CoquiEngine
    from voicer.engines.pool import TurnJob, speak_turn
    from voicer.text import prepare

    voice = load_voices([presets])["vits-zh"]
    precision = args.precision if device != "cpu" else None
    jobs = []
    for i, text in enumerate(long_zh_turns(args.batch_turns)):
        chunks = tuple(prepare(text, "zh", 80))
        jobs.append(TurnJob(key=str(i), chunks=chunks, voice=voice, language="zh"))
    chunks = sum(len(j.chunks) for j in jobs)
    print(f"  batching: {len(jobs)} zh turns, {chunks} chunks, {args.batch_rounds} rounds", flush=True)
    engines = {n: CoquiEngine(device=device, batch_size=n, precision=precision) for n in args.batch_sizes}
    audio: dict[int, list[np.ndarray]] = {}
    rate = 0
    for n, engine in engines.items():  # load, warm up, and the audio to compare
        out = [speak_turn(engine, job) for job in jobs]
        audio[n], rate = [a for a, _ in out], out[0][1]
    seconds: dict[int, list[float]] = {n: [] for n in engines}
    cpu: dict[int, list[float]] = {n: [] for n in engines}  # CPU time: less moved by other processes
    for _ in range(args.batch_rounds):
        for n, engine in engines.items():
            t0, c0 = time.perf_counter(), time.process_time()
            for job in jobs:
                speak_turn(engine, job)
            seconds[n].append(time.perf_counter() - t0)
            cpu[n].append(time.process_time() - c0)
    first = audio[args.batch_sizes[0]]
    total = sum(len(a) for a in first) / rate
    for n, engine in engines.items():
        engine.close()
        # Largest sample difference from the first size's audio (batching must not change it).
        diff = max(float(np.max(np.abs(a - b))) for a, b in zip(audio[n], first, strict=True))
        best, median = min(seconds[n]), statistics.median(seconds[n])
        row = (f"vits {device} batch {n}", best, median, min(cpu[n]), total, len(jobs) / (best / 60), diff)
        rows.append(row)
        print(f"  vits on {device} batch {n}: best {best:.2f} s, median {median:.2f} s", flush=True)


# ------------------------------------------------------------------ the run


def measure_device(
    device: str, presets: Path | None, args, rows: list[tuple], batch_rows: list[tuple]
) -> None:
    import torch

    from voicer.engines import get_engine, load_voices

    if device.startswith("cuda") and not torch.cuda.is_available():
        print(
            f"{device}: torch sees no CUDA GPU here (no device machine was lent); run this on a GPU machine."
        )
        return
    voices = load_voices([presets]) if presets else {}
    for model in [m for m in args.models if m != "offline"]:
        engine = get_engine("coqui", device=device, precision=args.precision if device != "cpu" else None)
        for lang, text in (("zh", zh_turn()), ("en", EN_TURN)):
            sec, dur = rtf(engine, voices[f"{model}-{lang}"], text, lang, args.repeats)
            rows.append((f"coqui {model} {device}", lang, 1, sec, dur, None))
            print(f"  {model} on {device} [{lang}]: RTF {sec / dur:.3f} ({dur:.1f} s of audio)", flush=True)
        engine.close()
        for n in args.replicas if device.startswith("cuda") else [1]:
            if not args.turns:
                break
            tpm = turns_per_minute("coqui", device, f"{model}-zh", presets, n, args)
            rows.append((f"coqui {model} {device}", "zh", n, None, None, tpm))
            print(f"  {model} on {device} x{n}: {tpm:.1f} turns/min", flush=True)
        if model == "vits" and args.batch_sizes:
            batching(device, presets, args, batch_rows)


def report(rows: list[tuple], args) -> None:
    print(f"\nRTF = synthesis s / audio s (median of {args.repeats}); turns/min over {args.turns} zh turns")
    print(
        f"{'engine':26} {'lang':4} {'replicas':>8} {'synth s':>8} {'audio s':>8} {'RTF':>8} {'turns/min':>10}"
    )
    base: dict[str, float] = {}
    for label, lang, n, sec, dur, tpm in rows:
        r = sec / dur if sec is not None and dur else None
        if label.startswith("offline") and r is not None:
            base[lang] = r
        cells = [f"{sec:8.3f}" if sec is not None else f"{'':8}", f"{dur:8.2f}" if dur else f"{'':8}"]
        cells += [f"{r:8.4f}" if r is not None else f"{'':8}", f"{tpm:10.1f}" if tpm else ""]
        print(f"{label:26} {lang:4} {n:8d} " + " ".join(cells))
    print("\nratios (same run), RTF vs the offline engine:")
    for label, lang, _n, sec, dur, _tpm in rows:
        if sec is not None and dur and not label.startswith("offline") and lang in base:
            print(f"  {label} [{lang}]: {sec / dur / base[lang]:.0f}x the offline engine's time per second")
    tpms = [(label, n, tpm) for label, _lang, n, _s, _d, tpm in rows if tpm]
    for label, n, tpm in tpms:
        one = next((t for lab, k, t in tpms if lab == label and k == 1), None)
        if one and n > 1:
            print(f"  {label} x{n} replicas: {tpm / one:.2f}x the turns/min of one replica")


def report_batching(rows: list[tuple], args) -> None:
    if not rows:
        return
    print(
        f"\nbatching: {args.batch_turns} zh turns of ~240 characters through render's turn function, "
        f"fastest of {args.batch_rounds} rounds (RTF and turns/min from it)"
    )
    head = f"{'engine':26} {'best s':>8} {'median s':>8} {'CPU s':>8} {'audio s':>8} {'RTF':>8}"
    print(f"{head} {'turns/min':>10} {'vs batch 1':>10} {'max diff':>9}")
    base: dict[str, float] = {}  # turns/min of batch size 1 (else the first size) per model
    for label, *_, tpm, _diff in sorted(rows, key=lambda r: not r[0].endswith(" batch 1")):
        base.setdefault(label.rsplit(" batch ", 1)[0], tpm)
    for label, best, median, cpu, audio, tpm, diff in rows:
        key = label.rsplit(" batch ", 1)[0]
        cells = f"{best:8.2f} {median:8.2f} {cpu:8.2f} {audio:8.2f} {best / audio:8.4f} {tpm:10.1f}"
        print(f"{label:26} {cells} {tpm / base[key]:9.2f}x {diff:9.1e}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", nargs="+", default=["cpu"], help="cpu, cuda, cuda:N, mps")
    ap.add_argument(
        "--models", nargs="+", default=["offline", "vits", "xtts"], choices=["offline", "vits", "xtts"]
    )
    ap.add_argument("--xtts-gpt", choices=["tiny", "real"], default="real", help="XTTS GPT size")
    ap.add_argument("--vits-size", choices=["tiny", "default"], default="default")
    ap.add_argument("--audio-tokens", type=int, default=120, help="XTTS codes per generation (~21.5/s)")
    ap.add_argument("--replicas", nargs="+", type=int, default=[1, 2, 4], help="model replicas on a GPU")
    ap.add_argument("--turns", type=int, default=8, help="turns for the turns/minute figure")
    ap.add_argument("--precision", default=None, help="fp16 or bf16 on a GPU (default fp32)")
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--threads", type=int, default=0, help="torch CPU threads (0 = torch default)")
    ap.add_argument(
        "--batch-sizes", nargs="*", type=int, default=[1, 4], help="VITS chunks per forward pass to compare"
    )
    ap.add_argument("--batch-turns", type=int, default=4, help="long zh turns for the batching figure")
    ap.add_argument("--batch-rounds", type=int, default=3, help="timed rounds per batch size")
    args = ap.parse_args()

    from voicer.engines import default_cast, get_engine, load_voices

    rows: list[tuple] = []
    batch_rows: list[tuple] = []
    offline, voices = get_engine("offline"), load_voices()
    for lang, text in (("zh", zh_turn()), ("en", EN_TURN)):
        sec, dur = rtf(offline, voices[default_cast(lang, "offline")[0]], text, lang, max(args.repeats, 3))
        rows.append(("offline eSpeak NG", lang, 1, sec, dur, None))
    coqui = [m for m in args.models if m != "offline"]
    with tempfile.TemporaryDirectory() as tmp:
        presets = build_presets(Path(tmp), args) if coqui else None
        if coqui:
            import torch

            if args.threads:
                torch.set_num_threads(args.threads)
            for device in args.devices:
                measure_device(device, presets, args, rows, batch_rows)
    report(rows, args)
    report_batching(batch_rows, args)


if __name__ == "__main__":
    main()
