#!/usr/bin/env bash
# The demo storefront in one go: builds what is missing (scripts/build.sh, incremental), generates
# the demo data (demo/generate.mjs -> build/demo: the shop's catalog, the trainer's catalog with
# brands, prices and list prices, the log), trains the demo model and the personas' profiles with
# `tandem train --catalog`, puts every shopper's profile into the profile store build/demo/profiles.db
# with `tandem profiles --rebuild` (what demo/serve.mjs serves at GET /profile), and serves the shop
# on 127.0.0.1. A build without the trainer uses the shipped models/demo.tandem, without profiles
# or store, and says so.
# Usage: scripts/demo.sh [--port 8080] [--no-serve]   (--no-serve: prepare build/demo only, for the tests)
set -euo pipefail
cd "$(dirname "$0")/.."

port=8080 serve=1
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --no-serve) serve=0; shift ;;
    *) echo "usage: scripts/demo.sh [--port N] [--no-serve]" >&2; exit 2 ;;
  esac
done

cli=build/native/src/cli/tandem
if [ ! -x "$cli" ] || [ ! -f build/package/tandem.wasm ]; then
  bash scripts/build.sh
fi
node scripts/stage-package.mjs build/wasm build/package > /dev/null

out=build/demo
# The data is a pure function of demo/generate.mjs: regenerate only when it changed.
if [ ! -f "$out/demo-log.csv" ] || [ ! -f "$out/catalog.jsonl" ] || [ ! -f "$out/catalog.json" ] || [ ! -f "$out/personas.json" ] \
   || [ demo/generate.mjs -nt "$out/demo-log.csv" ]; then
  node demo/generate.mjs "$out"
fi

# Retrain when the log or the trainer is newer than the model, or the model is the shipped copy.
stamp="$out/demo.tandem.source"
if "$cli" --help 2>&1 | grep -qE '^\s+train\b'; then
  if [ ! -f "$out/demo.tandem" ] || [ "$(cat "$stamp" 2>/dev/null)" != trained ] \
     || [ "$out/demo-log.csv" -nt "$out/demo.tandem" ] || [ "$out/catalog.jsonl" -nt "$out/demo.tandem" ] \
     || [ "$cli" -nt "$out/demo.tandem" ] || [ models/demo.json -nt "$out/demo.tandem" ]; then
    echo "== training the demo model (tandem train)"
    rm -rf "$out/profiles"
    # models/demo.json: dim 32 and a fixed epoch budget (early stopping on validation within it),
    # under a minute on two cores, and the same model every time (a --max-minutes cap would depend
    # on the machine's speed).
    "$cli" train --config models/demo.json --data "$out/demo-log.csv" --catalog "$out/catalog.jsonl" \
      --out "$out/demo.tandem" --profiles "$out/profiles" --quiet
    echo trained > "$stamp"
    rm -f "$out/profiles.db" "$out/profiles.db-wal" "$out/profiles.db-shm"
  fi
  # The profile store of the model just trained, made afresh (--rebuild of the whole log) after
  # every training, and whenever it is missing or older than the model.
  if [ ! -f "$out/profiles.db" ] || [ "$out/demo.tandem" -nt "$out/profiles.db" ]; then
    echo "== the demo's profile store (tandem profiles --rebuild)"
    rm -f "$out/profiles.db" "$out/profiles.db-wal" "$out/profiles.db-shm"
    "$cli" profiles --model "$out/demo.tandem" --data "$out/demo-log.csv" --store "$out/profiles.db" --rebuild
  fi
else
  if [ ! -f "$out/demo.tandem" ] || [ "$(cat "$stamp" 2>/dev/null)" != shipped ]; then
    echo "== no 'tandem train' in this build: the demo uses the shipped model models/demo.tandem (no persona profiles)"
    cp models/demo.tandem "$out/demo.tandem"
    rm -rf "$out/profiles"
    echo shipped > "$stamp"
  fi
  rm -f "$out/profiles.db" "$out/profiles.db-wal" "$out/profiles.db-shm"
fi

if [ "$serve" -eq 1 ]; then
  exec node demo/serve.mjs --port "$port"
fi
