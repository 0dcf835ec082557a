#!/usr/bin/env bash
# Trainer speed on Amazon Beauty: tandem's native trainer (1 and 2 threads) against a PyTorch CPU
# implementation of the same model and training step (bench/train_torch.py, 2 threads, and 1),
# at d 64, 256 shoppers per batch, max length 200, repeat window 50 (models/beauty.json).
#
#   bash bench/train-speed.sh [DATA_DIR]     # DATA_DIR defaults to ../shared/data
#
# tandem: `tandem train --epochs 2`; its steady-state number is epoch 2's training targets per
# second from the JSONL log (the epoch's training time only; validation is not counted).
# PyTorch: 5 untimed warm-up steps, then the same 88 batches as tandem's epoch 2, timed as a
# whole (shuffle and batch assembly included, as in tandem's epoch), torch.set_num_threads(N).
# PyTorch runs in the configurations that use the 2 cores best, and the ratio is over the
# fastest: torch.set_num_threads(2) with Debian's OpenBLAS (the pthread build: its 2 threads
# compete with PyTorch's 2 OpenMP threads), the same with the OpenMP OpenBLAS tandem links (one
# thread pool, as in tandem: `ompblas`), and PyTorch's own ops on 1 thread with OpenBLAS on 2
# (`serialops`); with 1 thread, Debian's OpenBLAS (the fastest there). Installs Debian's
# python3-torch with apt-get when it is missing (PyPI is not needed). Prints the machine and the
# load average before and after every run: other jobs on the machine slow both sides, so compare
# numbers taken at the same load. Takes about 15 minutes on 2 idle cores.
#
# The runs alternate and repeat (3 rounds): the table gives each one's median and range.
# Environment: SPEED_RUNS picks and orders the runs, IMPL:CORES[:ompblas|:serialops], by default
# "tandem:1 tandem:2 torch:2 torch:2:ompblas torch:2:serialops torch:1"; SPEED_ROUNDS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
data="${1:-../shared/data}"
log="$data/amazon-beauty/Beauty.txt"
cli=build/native/src/cli/tandem
py=/usr/bin/python3   # Debian's python, where python3-torch installs
runs="${SPEED_RUNS:-tandem:1 tandem:2 torch:2 torch:2:ompblas torch:2:serialops torch:1}"
rounds="${SPEED_ROUNDS:-3}"
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
# measured CMD...: runs CMD (its stdout passes through) and writes to $out/others how many cores
# other processes kept busy meanwhile, on average: busy CPU time from /proc/stat minus CMD's own.
measured() {
  "$py" -c '
import os, resource, subprocess, sys, time
def busy():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # all but idle and iowait (steal counts)
b0, t0 = busy(), time.monotonic()
rc = subprocess.call(sys.argv[2:])
b1, t1 = busy(), time.monotonic()
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(sys.argv[1], "w") as f:
    f.write("%.2f" % max(0.0, (b1 - b0 - ru.ru_utime - ru.ru_stime) / (t1 - t0)))
sys.exit(rc)' "$out/others" "$@"
}

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB"
echo "tandem:  $cli (built $(date -r "$cli" '+%F %T'), checkout $(git rev-parse --short HEAD 2>/dev/null || echo '?')), $(ldd "$cli" | awk '/openblas/ {print $3; exit}')"
echo "pytorch: $("$py" -c 'import torch; print(torch.__version__)') (Debian python3-torch), $("$py" --version)"
echo "data:    $log"
echo

for round in $(seq "$rounds"); do
for run in $runs; do
  IFS=: read -r impl threads variant <<< "$run"
  before="$(load)"
  echo "[$(date +%T)] round $round: $impl, $threads thread(s)${variant:+, $variant}, load average $before"
  if [ "$impl" = tandem ]; then
    OMP_NUM_THREADS="$threads" OPENBLAS_NUM_THREADS="$threads" \
      measured "$cli" train --config models/beauty.json --data "$log" --epochs 2 --patience 10 --threads "$threads" \
      --out "$out/tandem-t$threads.tandem" --log "$out/tandem-t$threads.jsonl" --quiet > "$out/tandem-t$threads.txt"
    line="$("$py" -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
e1, e2 = rows[0], rows[-1]
print(json.dumps({"implementation": "tandem", "threads": int(sys.argv[2]), "targets_per_s": round(e2["events_per_s"], 1),
                  "seconds": round(e2["seconds"], 2), "epoch1_targets_per_s": round(e1["events_per_s"], 1)}))
' "$out/tandem-t$threads.jsonl" "$threads")"
  else
    libs="" ops="$threads"
    [ "$variant" = ompblas ] && libs="$ompblas"
    [ "$variant" = serialops ] && ops=1
    line="$(measured env ${libs:+LD_LIBRARY_PATH="$libs"} "$py" -W ignore bench/train_torch.py --data "$log" \
      --threads "$ops" --blas-threads "$threads" --json)"
  fi
  after="$(load)"
  echo "$line" | "$py" -c '
import json, sys
r = json.loads(sys.stdin.read()); r["load_before"], r["load_after"] = sys.argv[1], sys.argv[2]
r["others_cores"], r["cores"] = float(open(sys.argv[3]).read()), int(sys.argv[4])
print(json.dumps(r))' "$before" "$after" "$out/others" "$threads" >> "$results"
  echo "[$(date +%T)]   $(tail -1 "$results" | "$py" -c 'import json,sys; r=json.load(sys.stdin); print("%.0f targets/s over %.1f s; other jobs used %.2f cores meanwhile" % (r["targets_per_s"], r["seconds"], r["others_cores"]))'), load average $after"
done
done

echo
"$py" - "$results" <<'EOF'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
def config(r):
    if r["implementation"] == "tandem":
        return "tandem (native, %d OpenMP threads, openblas-openmp)" % r["threads"]
    return "PyTorch %s CPU (set_num_threads(%d), %s %d)" % (r["torch"], r["threads"], r["blas"], r["blas_threads"])
groups = {}  # (implementation, cores, configuration) -> runs, in first-run order
for r in rows:
    groups.setdefault((r["implementation"], r["cores"], config(r)), []).append(r)
median = {k: statistics.median(r["targets_per_s"] for r in v) for k, v in groups.items()}
best_torch = {}  # the fastest PyTorch configuration per core count, by median
for (impl, cores, name), m in median.items():
    if impl == "pytorch" and m > best_torch.get(cores, 0):
        best_torch[cores] = m
n = max(len(v) for v in groups.values())
print("Amazon Beauty, d 64, batch 256 shoppers, max length 200, window 50, full softmax over 12,101 items;")
print("training targets per second (tandem: epoch 2; PyTorch: the same 88 batches after 5 warm-up steps),")
print("median of %d round(s) and range; the 1-minute load average before each run (it includes the" % n)
print("previous run) and the cores other jobs kept busy during each run (/proc/stat minus the run's own)\n")
print("| implementation | cores | batch | window | targets/s | range | ratio | load avg before | others' cores |")
print("| --- | ---: | ---: | ---: | ---: | --- | ---: | --- | --- |")
for (impl, cores, name), runs in groups.items():
    m = median[(impl, cores, name)]
    ref = best_torch.get(cores)
    rates = [r["targets_per_s"] for r in runs]
    print("| %s | %d | 256 | 50 | %.0f | %.0f-%.0f | %s | %s | %s |" % (
        name, cores, m, min(rates), max(rates), "%.2f" % (m / ref) if ref else "-",
        ", ".join(r["load_before"].split()[0] for r in runs),
        ", ".join("%.2f" % r["others_cores"] for r in runs)))
print("\nratio: over the fastest PyTorch configuration on the same number of cores")
print("(target: tandem >= 2.00 on 2 cores)")
EOF
echo
echo "time to the reported Beauty quality (bench/README.md, not re-measured here): fused best epoch 24"
echo "(val NDCG@10 0.0563) after about 750 s of a 862 s run; short-only best epoch 38 after about 1,020 s"
echo "raw results: $results"
