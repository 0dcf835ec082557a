#!/usr/bin/env bash
# Profile store throughput: `tandem profiles` into SQLite and into Redis (a redis-server this script
# starts on a free loopback port and stops), a full --rebuild and an incremental update, on the
# Taobao sample and on a generated log of 10^6 shoppers (bench/gen-log.mjs).
#
#   bash bench/profiles.sh [DATA_DIR [SHOPPERS]]    # DATA_DIR defaults to ../shared/data, SHOPPERS to 1000000
#
# The Taobao model is build/bench/taobao.tandem (bash bench/quality.sh taobao makes it); the
# generated log's model is trained here for one epoch on its first 20,000 shoppers (d 32), which
# knows the items most events name. Prints each run's line (profiles/s, events/s of the update
# itself), its wall time and peak RSS, and the machine's load before and after.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
shoppers="${2:-1000000}"
source bench/native-cli.sh
out=build/bench/profiles
mkdir -p "$out"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

port=$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no > "$out/redis.log" 2>&1 &
redis_pid=$!
trap 'kill $redis_pid 2>/dev/null || true' EXIT
for _ in $(seq 50); do redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done

run() { # label, then the tandem profiles arguments
  local label=$1
  shift
  /usr/bin/time -f "%e %M" -o "$out/time.txt" "$cli" profiles "$@" > "$out/run.txt" 2>&1 \
    || { cat "$out/run.txt"; exit 1; }
  read -r wall rss < "$out/time.txt"
  echo "$label: $(grep '^profiles' "$out/run.txt" | sed 's/^profiles *//')"
  echo "    wall ${wall} s (reading the log included), peak RSS $((rss / 1024)) MiB"
}

stores() { # label, model, full log, new events log, format
  rm -f "$out/$1.db" "$out/$1.db-wal" "$out/$1.db-shm"
  redis-cli -p "$port" flushall > /dev/null
  run "$1, SQLite, rebuild" --model "$2" --data "$3" --format "$5" --store "$out/$1.db" --rebuild
  run "$1, SQLite, new events" --model "$2" --data "$4" --format "$5" --store "$out/$1.db"
  run "$1, Redis, rebuild" --model "$2" --data "$3" --format "$5" --store "redis://127.0.0.1:$port/0" --rebuild
  run "$1, Redis, new events" --model "$2" --data "$4" --format "$5" --store "redis://127.0.0.1:$port/0"
  echo "    store file $(du -h "$out/$1.db" | cut -f1), Redis used memory $(redis-cli -p "$port" info memory | grep '^used_memory_human' | cut -d: -f2 | tr -d '\r')"
}

# The Taobao sample: every shopper rebuilt, then its last day as new events.
taobao="$data/taobao-userbehavior-sample/UserBehavior.csv"
if [ -f build/bench/taobao.tandem ] && [ -f "$taobao" ]; then
  last=$(cut -d, -f5 "$taobao" | sort -n | tail -1)
  awk -F, -v cut=$((last - 86400)) '$5 > cut' "$taobao" > "$out/taobao-last-day.csv"
  stores taobao build/bench/taobao.tandem "$taobao" "$out/taobao-last-day.csv" taobao
else
  echo "taobao: skipped (needs build/bench/taobao.tandem from bash bench/quality.sh taobao, and $taobao)"
fi

# The generated log: SHOPPERS shoppers over 9 days, then a tenth day of the same shoppers.
node bench/gen-log.mjs --out "$out/gen.csv" --users "$shoppers" --items 1000000 --days 9
node bench/gen-log.mjs --out "$out/gen-day10.csv" --users "$shoppers" --items 1000000 --days 1 --start-day 9 --seed 2
awk -F, '$1 <= 20000' "$out/gen.csv" > "$out/gen-slice.csv"
"$cli" train --data "$out/gen-slice.csv" --format taobao --dim 32 --epochs 1 --batch-size 64 --sampled-above 20000 --negatives 1024 --out "$out/gen.tandem" --quiet \
  > "$out/train.txt" 2>&1 || { cat "$out/train.txt"; exit 1; }
stores generated "$out/gen.tandem" "$out/gen.csv" "$out/gen-day10.csv" taobao
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
