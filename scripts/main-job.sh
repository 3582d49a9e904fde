#!/usr/bin/env bash
# Sets up a fresh machine (Debian packages), builds the `hessian` program and runs the main job on
# the bundled default.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target hessian
# The bundled sample (data/README.md) until `hessian report` exists.
./build/hessian info --model data/digits-mlp.h5 --data data/digits.h5 --timing
