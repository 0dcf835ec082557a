#!/usr/bin/env bash
# Training past one core (issue #20, docs/scale.md): Amazon Beauty with models/beauty.json, the
# same global batch (256 shoppers) in every run, on 1 and 2 threads of one process and on 1 and 2
# MPI processes of one thread each.
#
#   bash bench/train-scale.sh [DATA_DIR]     # DATA_DIR defaults to ../shared/data
#
# Each run is `tandem train --epochs 2`; its number is epoch 2's training targets per second from
# the JSONL log (training only: validation is not counted), and with MPI the bytes each process
# handed to the collectives per step. The runs alternate over SCALE_ROUNDS rounds (default 3) and
# the table gives each configuration's median and range, with the 1-minute load average before
# each run: other jobs on this 2-core machine slow every run, so the table also gives each ratio
# to one core per round (a run against the one-core run of its own round).
# SCALE_RUNS picks and orders them (default "t1 t2 np1 np2"). About 40 s per run on an idle machine.
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
log="$data/amazon-beauty/Beauty.txt"
cli=build/native/src/cli/tandem
runs="${SCALE_RUNS:-t1 t2 np1 np2}"
rounds="${SCALE_ROUNDS:-3}"
[ -f "$log" ] || { echo "no $log (see ../shared/data/README.md)" >&2; exit 2; }
[ -x "$cli" ] || bash scripts/build.sh
command -v mpirun > /dev/null || { echo "no mpirun: bash scripts/setup.sh installs Open MPI" >&2; exit 2; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=build/bench/train-scale
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
load() { cut -d' ' -f1 /proc/loadavg; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores"
echo "tandem:  $cli (built $(date -r "$cli" '+%F %T'), checkout $(git rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "data:    $log"
for round in $(seq "$rounds"); do
  for run in $runs; do
    case "$run" in
      t1) launch=() threads=1 ;;
      t2) launch=() threads=2 ;;
      np1) launch=(mpirun -np 1 --bind-to none) threads=1 ;;
      np2) launch=(mpirun -np 2 --bind-to none) threads=1 ;;
      *) echo "unknown run $run (t1, t2, np1, np2)" >&2; exit 2 ;;
    esac
    before="$(load)"
    "${launch[@]}" "$cli" train --config models/beauty.json --data "$log" --epochs 2 --patience 10 --threads "$threads" \
      --out "$out/$run.tandem" --log "$out/$run.jsonl" --quiet > "$out/$run.txt"
    after="$(load)"
    node -e '
const fs = require("fs");
const [file, run, before, after, round] = process.argv.slice(1);
const rows = fs.readFileSync(file, "utf8").trim().split("\n").map(JSON.parse);
const e = rows[rows.length - 1];
console.log(JSON.stringify({ run, round: +round, targets_per_s: e.events_per_s, seconds: e.seconds, loss: e.loss,
  bytes_per_step: e.bytes_per_step, load_before: +before, load_after: +after }));
' "$out/$run.jsonl" "$run" "$before" "$after" "$round" | tee -a "$results"
  done
done

node -e '
const fs = require("fs");
const rows = fs.readFileSync(process.argv[1], "utf8").trim().split("\n").map(JSON.parse);
const names = { t1: "1 process, 1 thread", t2: "1 process, 2 threads", np1: "mpirun -np 1, 1 thread", np2: "mpirun -np 2, 1 thread each" };
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const groups = {};
for (const r of rows) (groups[r.run] ??= []).push(r);
const base = { t2: "t1", np2: "np1" };
console.log("\nAmazon Beauty, models/beauty.json (d 64, 256 shoppers per step, full softmax over 12,101 items),");
console.log("epoch 2 training targets per second: median of the rounds and range; the ratio to one core of the");
console.log("medians, and per round (each run against its one-core run of the same round: median, range)\n");
console.log("| configuration | targets/s | range | ratio of medians | ratio per round | epoch-2 loss | KiB per step per process | load before |");
console.log("| --- | ---: | --- | ---: | --- | --- | ---: | --- |");
for (const [run, rs] of Object.entries(groups)) {
  const v = rs.map((r) => r.targets_per_s), m = median(v);
  const one = groups[base[run]];
  const ratio = one ? (m / median(one.map((r) => r.targets_per_s))).toFixed(2) : "-";
  const paired = one ? rs.flatMap((r) => one.filter((o) => o.round === r.round).map((o) => r.targets_per_s / o.targets_per_s)) : [];
  const perRound = paired.length ? `${median(paired).toFixed(2)} (${Math.min(...paired).toFixed(2)}-${Math.max(...paired).toFixed(2)})` : "-";
  console.log(`| ${names[run]} | ${m.toFixed(0)} | ${Math.min(...v).toFixed(0)}-${Math.max(...v).toFixed(0)} | ${ratio} | ${perRound} | ` +
    `${[...new Set(rs.map((r) => r.loss.toFixed(4)))].join(", ")} | ${(median(rs.map((r) => r.bytes_per_step)) / 1024).toFixed(0)} | ` +
    `${rs.map((r) => r.load_before.toFixed(2)).join(", ")} |`);
}
console.log("\n(target: 2 threads >= 1.7x one; 2 processes >= 1.7x one)");
' "$results"
