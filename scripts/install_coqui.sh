#!/usr/bin/env bash
# Make `import TTS.api` (coqui-tts) work next to the pinned CPU torch 2.13.0.
#
# Run after `pip install -e ".[coqui,dev]"`, with the virtualenv active (or PYTHON=...).
# Idempotent: safe to run again; it never lets pip replace torch.
#
# Why each step:
# - coqui-tts imports torchaudio and (torch >= 2.9) checks that torchcodec is findable,
#   but neither is a dependency of coqui-tts. The registry's torchaudio/torchcodec wheels
#   are built against CUDA torch, so they are installed with --no-deps (pip would
#   otherwise pull a multi-GB CUDA torch).
# - With a CPU torch, torchaudio's native libraries fail to load; removing them makes
#   torchaudio fall back to pure Python (resample, MelSpectrogram: all Coqui needs;
#   voicer reads audio with soundfile). On a CUDA torch the libraries load and are kept.
# - torchcodec's native library needs FFmpeg and is never imported by voicer's path;
#   coqui-tts only checks that the package exists.
# - spacy-pkuseg: imported by Coqui's Chinese phonemizer module; voicer replaces its
#   segmenter with jieba, so its downloadable model is never used.
# - six (imported by coqui-tts, undeclared) and gruut (English phonemes, offline).
set -euo pipefail

PY="${PYTHON:-python}"
pip_() { "$PY" -m pip install --disable-pip-version-check "$@"; }

TORCH_VERSION="$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)"
if [ -z "$TORCH_VERSION" ]; then
  echo "install_coqui.sh: torch is not installed; run: pip install -e '.[coqui]'" >&2
  exit 1
fi

pip_ --no-deps "torchaudio==2.11.0" "torchcodec==0.11.0"
pip_ "six" "gruut>=2.4" "spacy-pkuseg==1.0.2"

# Keep torchaudio's native libraries only if they load with this torch.
if ! "$PY" -c 'import torchaudio' >/dev/null 2>&1; then
  TA_LIB="$("$PY" - <<'EOF'
import importlib.util, pathlib
spec = importlib.util.find_spec("torchaudio")
print(pathlib.Path(next(iter(spec.submodule_search_locations))) / "lib")
EOF
)"
  echo "install_coqui.sh: torchaudio native libraries do not load with torch $TORCH_VERSION; using its pure-Python fallback"
  rm -f "$TA_LIB"/*.so
fi

AFTER="$("$PY" -c 'import torch; print(torch.__version__)')"
if [ "$AFTER" != "$TORCH_VERSION" ]; then
  echo "install_coqui.sh: torch changed from $TORCH_VERSION to $AFTER; reinstall torch==$TORCH_VERSION" >&2
  exit 1
fi

"$PY" -c 'import TTS.api, torchaudio; print("coqui-tts ready:", TTS.__version__, "torch", __import__("torch").__version__, "torchaudio", torchaudio.__version__)'
