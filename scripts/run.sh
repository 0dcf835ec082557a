#!/usr/bin/env bash
# The main job: builds everything (installing what is missing), runs the example (the npm package
# in Node on the shipped demo model, models/demo.tandem: no training needed), then generates the
# demo data, trains the demo model and serves the demo storefront on 127.0.0.1 (scripts/demo.sh).
# Usage: scripts/run.sh [--port 8080]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build/native/src/cli/tandem inspect models/demo.tandem --verify | head -n 5
node scripts/example.mjs models/demo.tandem
bash scripts/demo.sh "$@"
