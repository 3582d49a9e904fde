#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the bundled sample need.
# Idempotent: packages already present are left alone. Runs apt-get as root (sudo when not root).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libeigen3-dev libspectra-dev libopenblas-dev
  libhdf5-dev hdf5-tools
  libboost-program-options-dev doctest-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  zlib1g-dev libexpat1-dev
  pybind11-dev python3-pybind11 python3-dev python3-numpy
  libopenmpi-dev openmpi-bin
  librsvg2-bin chromium
  dataset-fashion-mnist python3-sklearn
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update
  "${sudo_cmd[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
fi
