#!/usr/bin/env bash
# Regenerates the bundled sample with the built `hessian` only:
#   data/digits.h5       the digits data set (1,797 8x8 images, 10 classes), pixels / 16 in [0, 1]
#   data/digits-mlp.h5   mlp:64-32-10:tanh trained on it by full-batch gradient descent
# The CSV comes from Debian's python3-sklearn (apt-get install python3-sklearn). Deterministic: one
# thread, fixed seed; rerunning gives the same weights.
set -euo pipefail
cd "$(dirname "$0")/.."
HESSIAN=${HESSIAN:-./build/hessian}
CSV=/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz
STEPS=3000
if [ ! -f "$CSV" ]; then
  echo "make_sample.sh: $CSV is missing: apt-get install python3-sklearn" >&2
  exit 1
fi
"$HESSIAN" import --csv "$CSV" --label-column -1 --images-shape 1x8x8 --scale 16 --out data/digits.h5
run=$(mktemp -d)
trap 'rm -rf "$run"' EXIT
"$HESSIAN" train --data data/digits.h5 --arch mlp:64-32-10:tanh --seed 1 --optimizer gd --lr 0.5 \
  --steps "$STEPS" --threads 1 --quiet --out "$run/digits"
cp "$run/digits/checkpoints/step-$(printf %09d "$STEPS").h5" data/digits-mlp.h5
"$HESSIAN" info --model data/digits-mlp.h5 --data data/digits.h5 --threads 1
