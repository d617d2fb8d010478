"""Audio encoding/decoding without a system ffmpeg.

pedalboard (MP3, OGG), soundfile (WAV, FLAC), and PyAV for M4A (AAC in MP4):
pedalboard only encodes AAC through macOS CoreAudio, while PyAV's wheels bundle
FFmpeg with its native `aac` encoder. PyAV is optional (the `voicer[m4a]` extra)
and imported only when an M4A file is written or read.
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path
from types import ModuleType

import numpy as np

from voicer.errors import ExportError
from voicer.model import TimedChapter

FORMATS = ("mp3", "wav", "flac", "ogg", "m4a")
LOSSY = ("mp3", "ogg", "m4a")
MP3_RATES = (32000, 44100, 48000)
MP3_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
"""The MPEG-1 Layer III bit rates (kbps) LAME writes at 32-48 kHz."""
AAC_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000, 64000, 88200, 96000)
_CHUNK_SECONDS = 30.0
_MP4_SUFFIXES = (".m4a", ".mp4", ".m4b")


def format_for(path: Path, requested: str | None) -> str:
    """The container to write: `requested`, else the file extension."""
    fmt = (requested or path.suffix.lstrip(".") or "mp3").lower()
    if fmt not in FORMATS:
        raise ExportError(
            f"Cannot write '{fmt}' audio ({path.name}); use a .mp3, .wav, .flac, .ogg or .m4a file name."
        )
    if fmt == "m4a":
        require_av(path)  # fail before anything is encoded
    return fmt


def check_encoder(fmt: str, bitrate_kbps: int, sample_rate: int | None) -> None:
    """ExportError when `fmt` cannot be written at this bit rate or sample rate (checked before
    synthesis, so a bad --bitrate is not found after an hour of work)."""
    if fmt == "mp3" and bitrate_kbps not in MP3_BITRATES:
        raise ExportError(
            f"MP3 cannot be {bitrate_kbps} kbps; use one of {', '.join(map(str, MP3_BITRATES))}."
        )
    allowed = {"mp3": MP3_RATES, "m4a": AAC_RATES}.get(fmt)
    if sample_rate and allowed and sample_rate not in allowed:
        raise ExportError(
            f"{fmt.upper()} cannot be {sample_rate} Hz; use one of {', '.join(map(str, allowed))} Hz."
        )


def require_av(path: Path) -> ModuleType:
    """The `av` module (PyAV), or ExportError saying how to get it."""
    try:
        import av
    except ImportError as exc:
        raise ExportError(
            f"Writing M4A ({path.name}) needs PyAV, which is not installed: "
            "install `voicer[m4a]` or export .mp3 instead."
        ) from exc
    return av


def write_audio(
    samples: np.ndarray,
    sample_rate: int,
    path: Path,
    fmt: str,
    bitrate_kbps: int = 128,
    gain_db: float = 0.0,
    *,
    chapters: list[TimedChapter] | None = None,
) -> None:
    """Encode float32 (n,) or (n, 2) samples to `path` in blocks (bounded memory).

    `gain_db` is applied block by block, so a level correction needs no full copy.
    `chapters` are muxed into M4A files only (see `_write_m4a`); the other formats
    get theirs from `write_tags`.
    """
    gain = np.float32(10.0 ** (gain_db / 20.0))
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    block = int(_CHUNK_SECONDS * sample_rate)
    try:
        if fmt == "m4a":
            _write_m4a(samples, sample_rate, path, bitrate_kbps, gain, chapters or [])
        elif fmt in ("mp3", "ogg"):
            from pedalboard.io import AudioFile

            quality = f"{int(bitrate_kbps)}k" if fmt == "mp3" else 0.6
            with AudioFile(str(path), "w", sample_rate, channels, quality=quality) as f:
                for start in range(0, samples.shape[0], block):
                    chunk = samples[start : start + block] * gain
                    f.write(np.ascontiguousarray(chunk[None, :] if chunk.ndim == 1 else chunk.T))
        else:
            import soundfile

            with soundfile.SoundFile(
                str(path), "w", sample_rate, channels, subtype="PCM_16", format=fmt.upper()
            ) as f:
                for start in range(0, samples.shape[0], block):
                    f.write(np.clip(samples[start : start + block] * gain, -1.0, 1.0))
    except ExportError:
        raise
    except Exception as exc:  # encoders raise plain RuntimeError/ValueError/OSError (av.FFmpegError)
        # `path` is a temp file beside the destination: its name means nothing to the user.
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        reason = reason.replace(str(path), "the file").replace(path.name, "the file")
        raise ExportError(
            f"Encoding the {fmt.upper()} audio failed ({reason}); check the output folder and settings."
        ) from exc


def _write_m4a(
    samples: np.ndarray,
    sample_rate: int,
    path: Path,
    bitrate_kbps: int,
    gain: np.float32,
    chapters: list[TimedChapter],
) -> None:
    """AAC-LC in an M4A ("ipod" muxer, moov first for progressive download) via PyAV.

    Chapters: mutagen cannot write MP4 chapters, so they are handed to FFmpeg's
    muxer, which writes both a Nero `chpl` atom (read by mutagen, VLC, most podcast
    apps) and a QuickTime chapter text track (read by Apple players). Times are in
    milliseconds of the presentation timeline (the edit list hides the encoder's
    priming samples). PyAV before 16 has no `set_chapters`, so with it the file gets
    no chapters; the chapters JSON sidecar carries them in every case.
    """
    av = require_av(path)
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    if channels not in (1, 2):
        raise ExportError(f"M4A export takes mono or stereo audio, not {channels} channels; downmix first.")
    layout = "mono" if channels == 1 else "stereo"
    block = int(_CHUNK_SECONDS * sample_rate)
    with av.open(str(path), "w", format="ipod", options={"movflags": "+faststart"}) as container:
        stream = container.add_stream("aac", rate=sample_rate)
        ctx = stream.codec_context
        ctx.layout = layout
        ctx.sample_rate = sample_rate
        ctx.bit_rate = int(bitrate_kbps) * 1000
        marks = [c for c in chapters if round(c.end * 1000) > round(c.start * 1000)]
        if marks and hasattr(container, "set_chapters"):
            container.set_chapters(
                [
                    {
                        "id": i,
                        "start": round(c.start * 1000),
                        "end": round(c.end * 1000),
                        "time_base": Fraction(1, 1000),
                        "metadata": {"title": c.title},
                    }
                    for i, c in enumerate(marks, start=1)
                ]
            )
        for start in range(0, samples.shape[0], block):
            chunk = samples[start : start + block] * gain
            planar = np.ascontiguousarray(chunk[None, :] if chunk.ndim == 1 else chunk.T, dtype=np.float32)
            frame = av.AudioFrame.from_ndarray(planar, format="fltp", layout=layout)
            frame.sample_rate = sample_rate
            frame.time_base = Fraction(1, sample_rate)
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def decode_blocks(path: str | Path, block_frames: int | None = None) -> Iterator[tuple[np.ndarray, int]]:
    """Decode an MP4/M4A file with PyAV: float32 (n,) or (n, channels) blocks and the sample rate.

    Every block but the last has `block_frames` frames (default: 10 s), so a
    loudness meter can be fed block by block. The encoder's priming samples are
    dropped by the decoder (edit list); the last AAC frame's padding is kept.
    """
    path = Path(path)
    av = require_av(path)
    with av.open(str(path)) as container:
        if not container.streams.audio:
            raise ExportError(f"{path.name} has no audio stream; export it again.")
        stream = container.streams.audio[0]
        ctx = stream.codec_context
        rate = int(ctx.sample_rate)
        size = block_frames or 10 * rate
        resampler = av.AudioResampler(format="fltp", layout=ctx.layout, rate=rate)
        pending: list[np.ndarray] = []
        have = 0

        def frames() -> Iterator[object]:
            for decoded in container.decode(stream):
                yield from resampler.resample(decoded)
            yield from resampler.resample(None)

        for frame in frames():
            pending.append(frame.to_ndarray().T)  # (samples, channels)
            have += pending[-1].shape[0]
            while have >= size:
                data = np.concatenate(pending) if len(pending) > 1 else pending[0]
                pending, have = ([data[size:]] if data.shape[0] > size else []), data.shape[0] - size
                yield _shape(data[:size]), rate
        if have:
            yield _shape(np.concatenate(pending)), rate


def _shape(data: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(data[:, 0] if data.shape[1] == 1 else data, dtype=np.float32)


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode any written file to float32 (n,) or (n, channels) and its sample rate."""
    if Path(path).suffix.lower() in _MP4_SUFFIXES:
        # pedalboard reads MP4/AAC only through macOS CoreAudio.
        blocks = list(decode_blocks(path))
        if not blocks:
            raise ExportError(f"{Path(path).name} holds no audio; export it again.")
        return np.concatenate([b for b, _ in blocks]), blocks[0][1]
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        data = f.read(f.frames)
        sr = int(f.samplerate)
    data = np.asarray(data, dtype=np.float32)
    return (data[0] if data.shape[0] == 1 else np.ascontiguousarray(data.T)), sr
