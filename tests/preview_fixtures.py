"""A small rendered episode for the preview tests: four chapters (Chinese titles), two hosts,
and markup in the title and a turn that the page must show as text, never run."""

from __future__ import annotations

from pathlib import Path

SCRIPT = """---
voicer: script 1
title: 开源模型的一年 <script>alert(1)</script>
language: zh
show: 最佳拍档
episode: 7
hosts:
  - id: 甲
    name: 主持人甲
    voice: zh-female-1
  - id: 乙
    name: 主持人乙
    voice: zh-male-1
---

# 开场

**甲:** 大家好，这里是最佳拍档，我是大飞。

**乙:** 今天我们聊聊开源模型。

# 第二章 Llama 3.1

**甲:** Llama 3.1 发布了，参数有四千零五十亿。

**乙:** 这对开源社区意味着什么？

# 第三章 显卡与算力

**甲:** 训练用了一万六千块 H100 显卡。

**乙:** 算力的成本非常高 <img src=x onerror=alert(2)> 对吧。

# 结尾

**乙:** 感谢收听，我们下期再见。
"""

TITLE = "开源模型的一年 <script>alert(1)</script>"
INJECTED = "<img src=x onerror=alert(2)>"


def render_episode(folder: Path) -> Path:
    """Render the script with the offline engine into `folder/ep.mp3` (+ sidecars); returns the MP3."""
    import voicer

    src = folder / "source.md"
    src.write_text(SCRIPT, encoding="utf-8")
    result = voicer.render(src, folder / "ep.mp3", engine="offline", cache_dir=folder / "cache")
    return result.path
