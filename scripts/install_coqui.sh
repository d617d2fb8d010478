#!/usr/bin/env bash
# Make `import TTS.api` (coqui-tts) and XTTS synthesis work next to the torch you installed
# (CPU-only or CUDA build; see the README's "Getting the real Coqui voices").
#
# Run after `pip install -e ".[coqui]"`, with the virtualenv active (or PYTHON=...).
# Idempotent: safe to run again; it never lets pip replace torch, and checks that at the end.
#
# What it changes in the environment, and why:
# 1. torchaudio + torchcodec, installed with --no-deps: coqui-tts imports torchaudio and
#    (torch >= 2.9) checks that torchcodec is findable, but declares neither. The registry's
#    wheels depend on a CUDA torch, so pip would otherwise pull a multi-GB CUDA torch.
# 2. six (imported by coqui-tts, undeclared), gruut (English phonemes, offline) and
#    spacy-pkuseg (imported by Coqui's Chinese phonemizer module; voicer replaces its
#    segmenter with jieba, so its downloadable model is never used).
# 3. transformers kept at >=4.57,<5.24: from 5.24 on every XTTS synthesis fails in Coqui's
#    GPT inference (coqui-tts 0.28 itself allows any >=4.57).
# 4. On a CPU torch only: torchaudio's native libraries (built for CUDA torch) cannot load,
#    so they are removed and torchaudio falls back to pure Python (resample, MelSpectrogram:
#    all Coqui needs; voicer reads audio with soundfile). With a CUDA torch they load and stay.
set -euo pipefail

PY="${PYTHON:-python}"
pip_() { "$PY" -m pip install --disable-pip-version-check "$@"; }
say() { echo "install_coqui.sh: $*"; }

TORCH_VERSION="$("$PY" -c 'import torch; print(torch.__version__)' 2>/dev/null || true)"
if [ -z "$TORCH_VERSION" ]; then
  echo "install_coqui.sh: torch is not installed; install it first (README: CPU-only or CUDA build), then run: pip install -e '.[coqui]'" >&2
  exit 1
fi
say "torch $TORCH_VERSION is installed; it will not be changed"

say "1/4 adding torchaudio 2.11.0 and torchcodec 0.11.0 without dependencies"
pip_ --no-deps "torchaudio==2.11.0" "torchcodec==0.11.0"
say "2/4 adding six, gruut and spacy-pkuseg"
pip_ "six" "gruut>=2.4" "spacy-pkuseg==1.0.2"
say "3/4 keeping transformers inside >=4.57,<5.24 (XTTS fails from 5.24 on)"
pip_ "transformers>=4.57,<5.24"

# Keep torchaudio's native libraries only if they load with this torch.
if ! "$PY" -c 'import torchaudio' >/dev/null 2>&1; then
  TA_LIB="$("$PY" - <<'PYEOF'
import importlib.util, pathlib
spec = importlib.util.find_spec("torchaudio")
print(pathlib.Path(next(iter(spec.submodule_search_locations))) / "lib")
PYEOF
)"
  say "4/4 torchaudio's native libraries do not load with torch $TORCH_VERSION (a CPU build): removing $TA_LIB/*.so, torchaudio runs in pure Python"
  rm -f "$TA_LIB"/*.so
else
  say "4/4 torchaudio imports with torch $TORCH_VERSION: nothing to remove"
fi

AFTER="$("$PY" -c 'import torch; print(torch.__version__)')"
if [ "$AFTER" != "$TORCH_VERSION" ]; then
  echo "install_coqui.sh: torch changed from $TORCH_VERSION to $AFTER; reinstall torch==$TORCH_VERSION" >&2
  exit 1
fi

"$PY" -c 'import TTS.api, torchaudio, transformers; print("coqui-tts ready:", TTS.__version__, "torch", __import__("torch").__version__, "torchaudio", torchaudio.__version__, "transformers", transformers.__version__)'
