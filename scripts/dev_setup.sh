#!/usr/bin/env bash
# Installs voicer for development into the active Python environment: every extra the tests
# exercise (Coqui, M4A, the listener, the punctuation model, the LLM writer and its test
# server, Ray, a CJK font) plus the test tools.
# torch is installed first and pinned: an open range would pull a multi-GB CUDA build.
# llama-cpp-python (in the punct and dev extras) builds llama.cpp from source once (~3.5 min on 2 cores);
# pip keeps the built wheel in its cache for the next run.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install "torch==2.13.0"
python -m pip install -e ".[coqui,m4a,listen,punct,llm,ray,cjk,dev]"
bash scripts/install_coqui.sh
