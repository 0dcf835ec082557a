#!/usr/bin/env bash
# Model quality on the real logs: trains the fused model, the long-only and short-only ablations,
# evaluates them and the popularity and recently-viewed baselines on the test split, and prints
# the table (also in build/bench/<name>.html, with the training curves).
#
#   bash bench/quality.sh beauty [DATA_DIR [TRAIN_FLAGS...]]   # Amazon Beauty, leave-one-out, history excluded
#   bash bench/quality.sh taobao [DATA_DIR [TRAIN_FLAGS...]]   # Taobao sample, leave-one-out, repeats allowed
#
# DATA_DIR defaults to ../shared/data. TRAIN_FLAGS override the config (e.g. --threads 1 to run
# both benchmarks side by side, one core each). Needs the native build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
which="${1:-}"
data="${2:-../shared/data}"
shift $(( $# < 2 ? $# : 2 ))
source bench/native-cli.sh
case "$which" in
  beauty)
    exec "$cli" train --config models/beauty.json --data "$data/amazon-beauty/Beauty.txt" \
      --out build/bench/beauty.tandem --report build/bench/beauty.html --ablation --quiet "$@" ;;
  taobao)
    exec "$cli" train --config models/taobao.json --data "$data/taobao-userbehavior-sample/UserBehavior.csv" \
      --out build/bench/taobao.tandem --profiles build/bench/taobao-profiles --report build/bench/taobao.html --ablation --quiet "$@" ;;
  *)
    echo "usage: bash bench/quality.sh beauty|taobao [DATA_DIR [TRAIN_FLAGS...]]" >&2
    exit 2 ;;
esac
