#!/usr/bin/env bash
# Fetches the ONNX Runtime shared library that tween-nn loads at run time
# (the `ort` crate with `load-dynamic`: nothing is downloaded at build or run
# time). The library comes from the pinned PyPI `onnxruntime` wheel, checked
# against its sha256, and lands in target/onnxruntime/:
#
#   target/onnxruntime/libonnxruntime.so.<version>
#   target/onnxruntime/libonnxruntime.so -> libonnxruntime.so.<version>
#
# Idempotent: does nothing when the library is already there. Prints the
# library's path last; point ORT_DYLIB_PATH or TWEEN_ORT_LIB at it (tween also
# finds it there on its own when run from this checkout).
#
#   bash scripts/fetch-onnxruntime.sh            # Linux x86_64
#   ORT_DEST=/opt/ort bash scripts/fetch-onnxruntime.sh
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION=1.31.1
WHEEL="onnxruntime-${VERSION}-cp311-cp311-manylinux_2_28_x86_64.whl"
SHA256=5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f
DEST="${ORT_DEST:-target/onnxruntime}"
LIB="libonnxruntime.so.${VERSION}"

if [[ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]]; then
    echo "fetch-onnxruntime: only Linux x86_64 is scripted; install ONNX Runtime ${VERSION} and set ORT_DYLIB_PATH" >&2
    exit 1
fi

mkdir -p "$DEST"
if [[ ! -s "$DEST/$LIB" ]]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    # The wheel's shared library does not depend on the Python version; pin
    # the platform and ABI so the same file is fetched whatever python runs pip.
    python3 -m pip download --no-deps --only-binary=:all: \
        --platform manylinux_2_28_x86_64 --python-version 3.11 --implementation cp --abi cp311 \
        "onnxruntime==${VERSION}" -d "$tmp" >&2
    [[ -f "$tmp/$WHEEL" ]] || { echo "fetch-onnxruntime: pip did not produce $WHEEL" >&2; ls "$tmp" >&2; exit 1; }
    echo "$SHA256  $tmp/$WHEEL" | sha256sum -c --quiet - >&2
    python3 - "$tmp/$WHEEL" "$tmp" "$LIB" <<'EOF'
import sys, zipfile
wheel, out, lib = sys.argv[1:]
with zipfile.ZipFile(wheel) as z:
    z.extract("onnxruntime/capi/" + lib, out)
EOF
    # Copy under a temporary name, rename when complete.
    cp "$tmp/onnxruntime/capi/$LIB" "$DEST/$LIB.part"
    mv "$DEST/$LIB.part" "$DEST/$LIB"
fi
ln -sfn "$LIB" "$DEST/libonnxruntime.so"

if [[ ! -s "$DEST/libonnxruntime.so" ]]; then
    echo "fetch-onnxruntime: $DEST/libonnxruntime.so is missing after the fetch" >&2
    exit 1
fi
echo "$(cd "$DEST" && pwd)/libonnxruntime.so"
