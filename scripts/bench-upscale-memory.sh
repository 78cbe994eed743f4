#!/usr/bin/env bash
# Peak memory of a 4K upscale with tiling (issue 4's memory figure), as a
# benchmark, not a test: 960x540 → 3840x2160 (x4) with realesr-animevideov3
# (the conformance set's weights: random values, official shapes), tiles of
# 256 px, written as raw video in NUT (no encoder state, so the figure is
# tween's own: x264 at 4K keeps ~40 frames of lookahead, its own memory
# growing with the first frames). Runs the tiled upscale on 3 and on 6 frames
# (memory must not grow with the length) and, as the baseline in the same
# run, the untiled one on 3 frames. Fails when the tiled peak passes LIMIT_MIB.
#
#   bash scripts/bench-upscale-memory.sh            # builds release first
#   LIMIT_MIB=1500 bash scripts/bench-upscale-memory.sh
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${LIMIT_MIB:-800}
weights=${TWEEN_CONFORMANCE_DIR:-../shared/conformance}/weights/esrgan/realesr-animevideov3.pth
cargo build --release -q -p tween
tween=./target/release/tween
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for n in 3 6; do
  ffmpeg -loglevel error -nostdin -f lavfi -i "testsrc2=size=960x540:rate=25" -frames:v "$n" \
    -c:v libx264 -pix_fmt yuv420p "$work/in$n.mp4"
done
# Peak resident memory of a child (MiB) and its wall time.
peak() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
t = time.time()
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
if r.returncode != 0:
    sys.stderr.write(r.stderr.decode()); sys.exit(1)
print(f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} {time.time() - t:.1f}")
PY
}
run() { peak "$tween" upscale "$work/in$1.mp4" -o "$work/out-$2-$1.nut" --scale 4 -q --codec rawvideo \
          --model realesr-animevideov3 --weights "$weights" --threads 2 $3; }
read -r t3 s3 < <(run 3 tiled "--tile 256")
read -r t6 s6 < <(run 6 tiled "--tile 256")
read -r u3 su3 < <(run 3 whole "--tile 0")
echo "4K upscale (960x540 -> 3840x2160, realesr-animevideov3, raw video):"
echo "  tiled 256, 3 frames: peak ${t3} MiB (${s3} s)"
echo "  tiled 256, 6 frames: peak ${t6} MiB (${s6} s)"
echo "  untiled,   3 frames: peak ${u3} MiB (${su3} s)  -> tiling uses $(python3 -c "print(f'{$t3/$u3:.2f}')")x the memory"
if [ "$t6" -gt "$limit" ] || [ "$t3" -gt "$limit" ]; then
  echo "FAIL: tiled peak above ${limit} MiB" >&2
  exit 1
fi
echo "ok: tiled peak within ${limit} MiB"
