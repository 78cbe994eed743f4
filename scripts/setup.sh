#!/usr/bin/env bash
# Installs what tween needs to build and run on Debian/Ubuntu: the FFmpeg
# command-line tools and development libraries, pkg-config, clang for
# bindgen, and the ONNX Runtime shared library (from the pinned PyPI wheel,
# into target/onnxruntime/) for the neural models. Needs root or sudo; safe to
# run again.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
packages=(ffmpeg libavcodec-dev libavformat-dev libavutil-dev libavfilter-dev libavdevice-dev
          libswscale-dev libswresample-dev pkg-config clang libclang-dev)
# pip only fetches the ONNX Runtime wheel; use the system's when it has one.
python3 -m pip --version >/dev/null 2>&1 || packages+=(python3-pip)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: cargo not found. Install Rust (1.92 or newer) with rustup, then run this again." >&2
  exit 1
fi
bash scripts/fetch-onnxruntime.sh >/dev/null
