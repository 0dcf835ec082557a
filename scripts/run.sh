#!/usr/bin/env bash
# The main job: builds everything (installing what is missing), runs the example (the npm package
# in Node on a fixture model written through the real writer), then generates the demo data,
# trains the demo model and serves the demo storefront on 127.0.0.1 (scripts/demo.sh).
# Usage: scripts/run.sh [--port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
mkdir -p build/models
build/native/src/cli/tandem fixture --out build/models/example.tandem --items 2000 --dim 64 --seed 1
build/native/src/cli/tandem inspect build/models/example.tandem --verify | head -n 5
node scripts/example.mjs build/models/example.tandem
bash scripts/demo.sh "$@"
