#!/usr/bin/env bash
# Compiles the per-pixel kernels (wasm/pixels.ts, AssemblyScript) to src/analysis/pixels.wasm.
# The .wasm is committed, so installing and running clipmill needs no WebAssembly compiler; run
# this after changing wasm/pixels.ts (test/analysis/pixel-kernels.test.ts fails while the two differ).
#   bash scripts/build-wasm.sh [OUT]      # OUT defaults to src/analysis/pixels.wasm
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-src/analysis/pixels.wasm}
npx asc wasm/pixels.ts --outFile "$out" --optimizeLevel 3 --shrinkLevel 0 --runtime stub --noAssert --enable simd
