"""Catalogue throughput: N small episodes rendered by `voicer batch` with 1 and 2 local
workers and on a local Ray, against the 1-worker run measured in the same run.

    python scripts/bench_catalogue.py --episodes 8 [--engine offline] [--no-ray] [--loop]

Each configuration starts from an empty turn cache and output folder, so every turn is
synthesized. Printed per row: wall time, audio seconds per wall second, the ratio to the
1-worker baseline, and how the time splits between synthesis (until the last turn) and
the driver's tail (mixing, loudness, encoding, the feed). `--loop` adds the shell loop a
user would write without batch (one `voicer.render` per episode, 2 workers).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

TOPICS = [
    "small language models", "open weights", "GPU prices", "podcast feeds", "speech synthesis",
    "mixed Chinese and English", "loudness targets", "chapter markers", "subtitle timing", "model caches",
]  # fmt: skip
ZH_TOPICS = [
    "小模型",
    "开源权重",
    "显卡价格",
    "播客订阅",
    "语音合成",
    "中英混说",
    "响度标准",
    "章节标记",
    "字幕时间",
    "模型缓存",
]
ZH_SENTENCES = [
    "今天我们聊聊{topic}，这是第{n}期节目。",
    "今年最大的变化是什么？主要是价格，还有{topic}的速度。",
    "举个第{n}部分的例子：一台笔记本，一份稿子，十分钟。",
    "有人问{topic}会不会长久，我们觉得会。",
    "今天就到这里，谢谢收听第{n}部分。",
]
SENTENCES = [
    "Today we talk about {topic}, and why it matters for episode {n}.",
    "What changed this year? Mostly the price, and the speed of {topic}.",
    "Let me give you an example from part {n}: a laptop, a script, and ten minutes.",
    "People asked us whether {topic} will last; we think it will.",
    "That is all for now, thank you for listening to part {n}.",
]


def make_catalogue(folder: Path, episodes: int, language: str) -> None:
    """`episodes` distinct transcripts (distinct text: no turn is shared between episodes)."""
    topics, sentences = (ZH_TOPICS, ZH_SENTENCES) if language == "zh" else (TOPICS, SENTENCES)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(1, episodes + 1):
        topic = topics[(n - 1) % len(topics)]
        text = "\n".join(s.format(topic=topic, n=n) for s in sentences)
        (folder / f"episode-{n:03d}.{language}.txt").write_text(text + "\n", encoding="utf-8")


def run_batch_config(src: Path, work: Path, engine: str, workers: int, ray: bool) -> dict[str, Any]:
    from voicer.batch import BatchSettings, run_batch
    from voicer.synth import RenderSettings

    last_turn = [0.0]

    def progress(event: Any) -> None:
        if event.kind == "turn":
            last_turn[0] = time.perf_counter()

    settings = BatchSettings(
        render=RenderSettings(engine=engine, cache_dir=work / "cache", workers=workers or None), ray=ray
    )
    start = time.perf_counter()
    report = run_batch(src, work / "out", settings, progress)
    wall = time.perf_counter() - start
    failed = report.count("failed")
    if failed:
        raise SystemExit(f"{failed} episodes failed: {report.failed[0].message}")
    audio = sum(e.seconds for e in report.episodes)
    return {"wall": wall, "audio": audio, "synth": last_turn[0] - start, "pool": report.pool,
            "workers": report.workers}  # fmt: skip


def run_loop(src: Path, work: Path, engine: str, workers: int) -> dict[str, Any]:
    """What users did before batch: one render per episode, each loading its own pool."""
    import voicer

    start = time.perf_counter()
    audio = 0.0
    for path in sorted(src.iterdir()):
        result = voicer.render(path, work / "out" / f"{path.stem}.mp3", engine=engine, workers=workers,
                               cache_dir=work / "cache")  # fmt: skip
        audio += result.export.duration
    wall = time.perf_counter() - start
    return {"wall": wall, "audio": audio, "synth": float("nan"), "pool": "loop", "workers": workers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=8)
    parser.add_argument("--engine", default="offline")
    parser.add_argument("--language", choices=("en", "zh"), default="en")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray row")
    parser.add_argument("--ray-cpus", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--loop", action="store_true", help="add the one-render-per-episode loop")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="voicer-bench-catalogue-"))
    src = root / "talks"
    make_catalogue(src, args.episodes, args.language)
    configs: list[tuple[str, Callable[[Path], dict[str, Any]]]] = [
        ("batch, 1 worker (baseline)", lambda w: run_batch_config(src, w, args.engine, 1, False)),
        ("batch, 2 workers", lambda w: run_batch_config(src, w, args.engine, 2, False)),
    ]
    if args.loop:
        configs.append(("loop of renders, 2 workers", lambda w: run_loop(src, w, args.engine, 2)))
    ray_start = None
    if not args.no_ray:
        from voicer.batch.raypool import connect

        t = time.perf_counter()
        connect(None, num_cpus=args.ray_cpus)
        ray_start = time.perf_counter() - t
        configs.append(
            (
                f"batch on Ray, {args.ray_cpus} actors",
                lambda w: run_batch_config(src, w, args.engine, 0, True),
            )
        )  # noqa: E501
    try:
        # Warm-up, not counted: first-use costs (imports, jieba's dictionary, fonts for the covers).
        warm = root / "warm-src"
        make_catalogue(warm, 1, args.language)
        run_batch_config(warm, root / "warm", args.engine, 1, False)
        rows = []
        for n, (label, run) in enumerate(configs):
            work = root / f"run{n}"
            rows.append((label, run(work)))
            shutil.rmtree(work, ignore_errors=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    base = rows[0][1]["audio"] / rows[0][1]["wall"]
    print(f"{args.episodes} {args.language} episodes, engine {args.engine}, {os.cpu_count()} CPUs here")
    header = ("configuration", "wall s", "audio s", "audio/wall", "ratio", "synth s", "tail s")
    print("{:34} {:>7} {:>8} {:>10} {:>6} {:>8} {:>7}".format(*header))
    for label, r in rows:
        speed = r["audio"] / r["wall"]
        cells = (
            label,
            r["wall"],
            r["audio"],
            speed,
            f"{speed / base:.2f}x",
            r["synth"],
            r["wall"] - r["synth"],
        )
        print("{:34} {:7.1f} {:8.1f} {:10.1f} {:>6} {:8.1f} {:7.1f}".format(*cells))
    if ray_start is not None:
        print(f"(starting the local Ray took {ray_start:.1f} s, not counted above)")


if __name__ == "__main__":
    main()
