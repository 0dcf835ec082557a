#!/usr/bin/env bash
# Builds everything: native (Release: core, CLI, C++ tests) into build/native, wasm (core, Embind
# module, the C++ tests as wasm) into build/wasm, and stages the npm package into build/package.
# Installs missing Debian packages first (scripts/setup.sh says which).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/setup.sh "$@"

echo "== native build (build/native)"
mkdir -p build
cmake -S . -B build/native -DCMAKE_BUILD_TYPE=Release > build/native-configure.log 2>&1 \
  || { cat build/native-configure.log; exit 1; }
cmake --build build/native -j "$jobs"

echo "== wasm build (build/wasm)"
# Emscripten 3.1.6's tools need Debian's node modules (docs/building.md, Emscripten 1); its
# default test emulator flag is rejected by Node 20 (pitfall: CMAKE_CROSSCOMPILING_EMULATOR).
export NODE_PATH=/usr/share/nodejs
emcmake cmake -S . -B build/wasm -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CROSSCOMPILING_EMULATOR=/usr/bin/node;--no-experimental-fetch" > build/wasm-configure.log 2>&1 \
  || { cat build/wasm-configure.log; exit 1; }
cmake --build build/wasm -j "$jobs"

echo "== npm package (build/package)"
node scripts/stage-package.mjs build/wasm build/package
