#!/usr/bin/env bash
# What the Taobao model's two levers are worth: trains the fused model of models/taobao.json once
# without the item features (the log's categories; ids only) and once without the repeat term (side by side, one core each)
# and prints each run's test table; compare its fused row with the one of
# `bash bench/quality.sh taobao`, which has both levers.
#
#   bash bench/levers.sh [DATA_DIR [TRAIN_FLAGS...]]
#
# DATA_DIR defaults to ../shared/data. Needs the native build (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
shift $(( $# < 1 ? $# : 1 ))
source bench/native-cli.sh
pids=()
for lever in features repeat-term; do
  "$cli" train --config models/taobao.json --data "$data/taobao-userbehavior-sample/UserBehavior.csv" \
    --out "build/bench/taobao-no-$lever.tandem" --no-$lever --threads 1 --quiet "$@" \
    > "build/bench/taobao-no-$lever.log" 2>&1 &
  pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for lever in features repeat-term; do
  echo; echo "== without the ${lever/-/ } (build/bench/taobao-no-$lever.log)"
  sed -n '/best epoch/p;/^test /,/^$/p' "build/bench/taobao-no-$lever.log"
done
exit $status
