#!/usr/bin/env bash
# Trainer speed on Amazon Beauty: tandem's native trainer (1 and 2 threads) against a PyTorch CPU
# implementation of the same model and training step (bench/train_torch.py, 2 threads, and 1),
# at d 64, 256 shoppers per batch, max length 200, repeat window 50 (bench/beauty.json).
#
#   bash bench/train-speed.sh [DATA_DIR]     # DATA_DIR defaults to ../shared/data
#
# tandem: `tandem train --epochs 2`; its steady-state number is epoch 2's training targets per
# second from the JSONL log (the epoch's training time only; validation is not counted).
# PyTorch: 5 untimed warm-up steps, then the same 88 batches as tandem's epoch 2, timed as a
# whole (shuffle and batch assembly included, as in tandem's epoch), torch.set_num_threads(N).
# It runs twice: with the OpenBLAS Debian gives it (the pthread build, whose threads compete with
# PyTorch's OpenMP threads for the 2 cores) and with the OpenMP build tandem links (one thread
# pool, as in tandem); the ratio is over the faster of the two. Installs Debian's
# python3-torch with apt-get when it is missing (PyPI is not needed). Prints the machine and the
# load average before and after every run: other jobs on the machine slow both sides, so compare
# numbers taken at the same load. Takes about 5 minutes on 2 idle cores.
#
# Environment: SPEED_RUNS picks and orders the runs, IMPL:THREADS[:ompblas], by default
# "tandem:1 tandem:2 torch:2 torch:2:ompblas torch:1:ompblas".
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
log="$data/amazon-beauty/Beauty.txt"
cli=build/native/src/cli/tandem
py=/usr/bin/python3   # Debian's python, where python3-torch installs
runs="${SPEED_RUNS:-tandem:1 tandem:2 torch:2 torch:2:ompblas torch:1:ompblas}"
ompblas=/usr/lib/x86_64-linux-gnu/openblas-openmp   # libblas.so.3 of Debian's OpenMP OpenBLAS
[ -f "$log" ] || { echo "no $log (see ../shared/data/README.md)" >&2; exit 2; }
[ -x "$cli" ] || bash scripts/build.sh
if ! "$py" -c 'import torch' 2>/dev/null; then
  echo "installing python3-torch with apt-get (Debian's PyTorch, CPU only)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-torch >/dev/null
fi
out=build/bench/train-speed
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
load() { cut -d' ' -f1-3 /proc/loadavg; }

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB"
echo "tandem:  $cli (built $(date -r "$cli" '+%F %T'), checkout $(git rev-parse --short HEAD 2>/dev/null || echo '?')), $(ldd "$cli" | awk '/openblas/ {print $3; exit}')"
echo "pytorch: $("$py" -c 'import torch; print(torch.__version__)') (Debian python3-torch), $("$py" --version)"
echo "data:    $log"
echo

for run in $runs; do
  IFS=: read -r impl threads variant <<< "$run"
  before="$(load)"
  echo "[$(date +%T)] $impl, $threads thread(s)${variant:+, $variant}, load average $before"
  if [ "$impl" = tandem ]; then
    OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
      "$cli" train --config bench/beauty.json --data "$log" --epochs 2 --patience 10 --threads "$threads" \
      --out "$out/tandem-t$threads.tandem" --log "$out/tandem-t$threads.jsonl" --quiet > "$out/tandem-t$threads.txt"
    line="$("$py" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
e1, e2 = rows[0], rows[-1]
print(json.dumps({"implementation": "tandem", "threads": int(sys.argv[2]), "targets_per_s": round(e2["events_per_s"], 1),
                  "seconds": round(e2["seconds"], 2), "epoch1_targets_per_s": round(e1["events_per_s"], 1)}))
' "$out/tandem-t$threads.jsonl" "$threads")"
  else
    libs=""
    [ "$variant" = ompblas ] && libs="$ompblas"
    line="$(env ${libs:+LD_LIBRARY_PATH="$libs"} "$py" -W ignore bench/train_torch.py --data "$log" --threads "$threads" --json)"
  fi
  after="$(load)"
  echo "$line" | "$py" -c '
import json, sys
r = json.loads(sys.stdin.read()); r["load_before"], r["load_after"] = sys.argv[1], sys.argv[2]
print(json.dumps(r))' "$before" "$after" >> "$results"
  echo "[$(date +%T)]   $(tail -1 "$results" | "$py" -c 'import json,sys; r=json.load(sys.stdin); print("%.0f targets/s over %.1f s" % (r["targets_per_s"], r["seconds"]))'), load average $after"
done

echo
"$py" - "$results" <<'EOF'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
best = {}  # the faster PyTorch run per thread count
for r in rows:
    if r["implementation"] == "pytorch" and r["targets_per_s"] > best.get(r["threads"], {}).get("targets_per_s", 0):
        best[r["threads"]] = r
print("Amazon Beauty, d 64, batch 256 shoppers, max length 200, window 50, full softmax over 12,101 items;")
print("training targets per second (tandem: epoch 2; PyTorch: the same 88 batches after 5 warm-up steps)\n")
print("| implementation | threads | batch | window | targets/s | ratio | load avg before | load avg after |")
print("| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
for r in rows:
    ref = best.get(r["threads"])
    ratio = "%.2f" % (r["targets_per_s"] / ref["targets_per_s"]) if ref else "-"
    name = ("tandem (native, openblas-openmp)" if r["implementation"] == "tandem"
            else "PyTorch %s CPU (%s)" % (r["torch"], r["blas"]))
    print("| %s | %d | 256 | 50 | %.0f | %s | %s | %s |" % (name, r["threads"], r["targets_per_s"], ratio,
                                                         r["load_before"], r["load_after"]))
print("\nratio: over the faster PyTorch run with the same number of threads (target: tandem >= 2.00 with 2 threads)")
EOF
echo
echo "time to the reported Beauty quality (bench/README.md, not re-measured here): fused best epoch 24"
echo "(val NDCG@10 0.0563) after about 750 s of a 862 s run; short-only best epoch 38 after about 1,020 s"
echo "raw results: $results"
