#!/usr/bin/env bash
# Sets up a fresh machine (Debian packages), builds the `hessian` program and runs the main job,
# `hessian report`, on the bundled default.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target hessian
# The report on the bundled sample (data/README.md: data/digits-mlp.h5 on data/digits.h5): top
# eigenvalues, the trace with per-layer traces, the spectral density. Writes results.h5, report.md
# and report.html (the figures)
# here, in the repository's root, and prints the table.
./build/hessian report
