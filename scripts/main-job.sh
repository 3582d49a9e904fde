#!/usr/bin/env bash
# Sets up a fresh machine (Debian packages), builds the `hessian` program and runs the main job on
# the bundled default.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2 --target hessian
./build/hessian info --arch mlp:784-512-512-10:tanh --timing --samples 2048 --precision f32
