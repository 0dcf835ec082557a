#!/bin/bash
# Preprocessing logs larger than memory (issue #20): `tandem prepare` with the default memory
# budget on generated Taobao-layout logs (bench/gen-log.mjs) of each SIZE GiB, 1 and 5 by
# default; prints rows/s, wall time, peak RSS and the load average around the run. The logs are
# generated into build/bench/ once and kept; the prepared files are removed after each run.
#
#   bash bench/prepare.sh [SIZE_GIB...]        (TANDEM_CLI=PATH runs another tandem binary)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/native-cli.sh
cli=${TANDEM_CLI:-$cli}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 5)
for size in "${sizes[@]}"; do
  log=build/bench/gen-${size}g.csv
  [ -s "$log" ] || node bench/gen-log.mjs --out "$log" --bytes "$(awk -v g="$size" 'BEGIN { printf "%.0f", g * 1073741824 }')"
  out=build/bench/gen-${size}g.prepared
  before=$(cut -d' ' -f1-3 /proc/loadavg)
  /usr/bin/time -v "$cli" prepare --data "$log" --out "$out" > "build/bench/prepare-${size}g.txt" 2> "build/bench/prepare-${size}g.time" ||
    { cat "build/bench/prepare-${size}g.txt" "build/bench/prepare-${size}g.time"; exit 1; }
  after=$(cut -d' ' -f1-3 /proc/loadavg)
  cat "build/bench/prepare-${size}g.txt"
  rm -f "$out"
  awk -v size="$size" -v before="$before" -v after="$after" '
    /rows in/ { for (i = 1; i <= NF; i++) if ($(i + 1) == "rows" && $(i + 2) == "in") rows = $i }
    /Elapsed \(wall clock\)/ { n = split($NF, t, ":"); wall = 0; for (i = 1; i <= n; i++) wall = wall * 60 + t[i] }
    /Maximum resident set size/ { rss = $NF }
    END { printf "%s GiB: %d rows in %.1f s wall, %.0f rows/s, peak RSS %.0f MiB; load average %s before, %s after\n",
                 size, rows, wall, rows / wall, rss / 1024, before, after }' \
    "build/bench/prepare-${size}g.txt" "build/bench/prepare-${size}g.time"
done
