"""Audio encoding/decoding without a system ffmpeg: pedalboard (MP3, OGG), soundfile (WAV, FLAC)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from voicer.errors import ExportError

FORMATS = ("mp3", "wav", "flac", "ogg", "m4a")
LOSSY = ("mp3", "ogg", "m4a")
MP3_RATES = (32000, 44100, 48000)
_CHUNK_SECONDS = 30.0


def format_for(path: Path, requested: str | None) -> str:
    """The container to write: `requested`, else the file extension."""
    fmt = (requested or path.suffix.lstrip(".") or "mp3").lower()
    if fmt not in FORMATS:
        raise ExportError(
            f"Cannot write '{fmt}' audio ({path.name}); use a .mp3, .wav, .flac, .ogg or .m4a file name."
        )
    if fmt == "m4a":
        # pedalboard only encodes AAC through macOS CoreAudio; nothing else here can.
        raise ExportError(
            f"M4A/AAC encoding is not available on this system ({path.name}); export .mp3 instead."
        )
    return fmt


def write_audio(
    samples: np.ndarray, sample_rate: int, path: Path, fmt: str, bitrate_kbps: int = 128, gain_db: float = 0.0
) -> None:
    """Encode float32 (n,) or (n, 2) samples to `path` in blocks (bounded memory).

    `gain_db` is applied block by block, so a level correction needs no full copy.
    """
    gain = np.float32(10.0 ** (gain_db / 20.0))
    channels = 1 if samples.ndim == 1 else samples.shape[1]
    block = int(_CHUNK_SECONDS * sample_rate)
    try:
        if fmt in ("mp3", "ogg"):
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
    except Exception as exc:  # encoders raise plain RuntimeError/ValueError/OSError
        raise ExportError(
            f"Encoding {path.name} failed ({exc}); check the output folder and settings."
        ) from exc


def read_audio(path: str | Path) -> tuple[np.ndarray, int]:
    """Decode any written file to float32 (n,) or (n, channels) and its sample rate."""
    from pedalboard.io import AudioFile

    with AudioFile(str(path)) as f:
        data = f.read(f.frames)
        sr = int(f.samplerate)
    data = np.asarray(data, dtype=np.float32)
    return (data[0] if data.shape[0] == 1 else np.ascontiguousarray(data.T)), sr
