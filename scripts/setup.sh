#!/usr/bin/env bash
# Installs the Debian packages this project needs. Idempotent: when everything is
# already installed it only runs dpkg-query (no apt call, no network).
set -euo pipefail

PACKAGES=(
  bazel-bootstrap
  g++
  clang-format
  libopenblas-dev
  libopenblas0-openmp
  libdnnl-dev
  libhdf5-dev
  libfmt-dev
  libstb-dev
  libyaml-cpp-dev
  nlohmann-json3-dev
  libgtest-dev
  python3
  python3-numpy
  python3-torch
  python3-torchvision
  python3-h5py
  libopenmpi-dev
  openmpi-bin
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)"
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if (( ${#missing[@]} == 0 )); then
  exit 0
fi

echo "setup.sh: installing missing packages: ${missing[*]}" >&2
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
