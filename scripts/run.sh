#!/usr/bin/env bash
# The main job: builds everything (installing what is missing), writes a fixture model through
# the real writer, and runs the example in the wasm engine: a few events, then a rerank.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p build/models
build/native/src/cli/tandem fixture --out build/models/example.tandem --items 2000 --dim 64 --seed 1
build/native/src/cli/tandem inspect build/models/example.tandem --verify | head -n 5
node scripts/example.mjs build/models/example.tandem
