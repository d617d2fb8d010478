#!/usr/bin/env bash
# Installs voicer for development into the active Python environment: the Coqui extra
# (real voices, and the random-weight Coqui tests) plus the test tools.
# torch is installed first and pinned: an open range would pull a multi-GB CUDA build.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install "torch==2.13.0"
python -m pip install -e ".[coqui,m4a,dev]"
bash scripts/install_coqui.sh
