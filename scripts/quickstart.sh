#!/usr/bin/env bash
# The first command of README.md: set up, build, make a sample clip with
# picture and sound, and make it twice as smooth with the classical default.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
cargo build --release --locked --bin tween
mkdir -p out
if [ ! -f out/sample.mp4 ]; then
  # 5 s of moving test pattern at 24 fps with a 440 Hz tone.
  ffmpeg -hide_banner -loglevel error -nostdin -y \
    -f lavfi -i "testsrc2=size=640x360:rate=24" -f lavfi -i "sine=frequency=440:sample_rate=48000" \
    -t 5 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest out/sample.mp4
fi
./target/release/tween interpolate out/sample.mp4 -o out/sample_2x.mp4 --factor 2 --overwrite
echo "result: $(pwd)/out/sample_2x.mp4"
