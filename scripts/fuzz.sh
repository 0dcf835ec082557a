#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/, clang with ASan + UBSan) into build/fuzz, builds their seed
# corpora into build/fuzz/corpus/<target>, runs each target for SECONDS (one at a time, one
# process), and prints the executions and findings of each. docs/reliability.md has the details.
#
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET ...]     # default: 60 seconds, every target
#
# Targets: model_file session_state profile_file log_taobao log_retailrocket log_yoochoose
# log_sequences log_user_item log_delimited pipeline (the last one trains: log bytes -> reader ->
# preprocessing -> one tiny epoch -> export -> read_model -> sessions and profiles). Seeds from
# real files: fixture models from `tandem fixture` (build/native, from scripts/build.sh), states
# and profiles of the harness model (build/fuzz/fuzz_seeds), fuzz/seeds/, fuzz/regressions/, and
# the first 50 lines of the logs in
# $TANDEM_DATA (default ../shared/data; never copied into the repository). A finding (crash, leak,
# UB, timeout over 10 s, an allocation over 64 MB) is saved as build/fuzz/findings/<target>/*;
# the script then exits 1. Coverage found in one run stays in the corpus for the next.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true
all_targets=(model_file session_state profile_file log_taobao log_retailrocket log_yoochoose
             log_sequences log_user_item log_delimited pipeline)
if [ $# -gt 0 ]; then targets=("$@"); else targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "unknown target $t (expected: ${all_targets[*]})" >&2; exit 2; }
done
data="${TANDEM_DATA:-../shared/data}"

bash scripts/setup.sh --fuzz
mkdir -p build

echo "== fuzz build (build/fuzz: clang, libFuzzer, ASan, UBSan)"
cmake -S fuzz -B build/fuzz -DCMAKE_CXX_COMPILER=clang++ > build/fuzz-configure.log 2>&1 \
  || { cat build/fuzz-configure.log; exit 1; }
cmake --build build/fuzz -j 2 > build/fuzz-build.log 2>&1 || { cat build/fuzz-build.log; exit 1; }

echo "== seed corpora (build/fuzz/corpus)"
corpus=build/fuzz/corpus
for t in "${all_targets[@]}"; do mkdir -p "$corpus/$t" "build/fuzz/findings/$t"; done
build/fuzz/fuzz_seeds "$corpus"
tandem=build/native/src/cli/tandem
if [ -x "$tandem" ]; then
  "$tandem" fixture --out "$corpus/model_file/fixture-f32.tandem" --items 20 --dim 8 --seed 1 > /dev/null
  "$tandem" fixture --out "$corpus/model_file/fixture-int8.tandem" --items 20 --dim 8 --seed 2 --int8 > /dev/null
else
  echo "no $tandem (scripts/build.sh builds it): no fixture-model seeds this time"
fi
for t in "${all_targets[@]}"; do
  for dir in "fuzz/seeds/$t" "fuzz/regressions/$t"; do
    if [ -d "$dir" ]; then find "$dir" -type f -exec cp {} "$corpus/$t/" \;; fi
  done
done
# Log heads: the first byte of a log target's input is its knob byte (fuzz/targets.cpp, log_knobs):
# 'G' = one 1 MiB chunk, k-core filter; '$' = 16-byte chunks, strict; 'C' = 5-byte chunks, k-core.
taobao="$data/taobao-userbehavior-sample/UserBehavior.csv"
beauty="$data/amazon-beauty/Beauty.txt"
head_of() { # knob file
  printf '%s' "$1"
  head -n 50 "$2"
}
# The pipeline target takes two knob bytes (data, model; fuzz/targets.cpp, pipeline_knobs): '\0'
# = taobao or '\1' = sequences, read leniently; then '\0' = gated float32, '\4' = gated int8,
# '\21' = long-term only with weight averaging, '\42' = short-term only with a window of 1.
pipeline_heads() { # name-prefix data-knob log
  for model in '\0' '\4' '\21' '\42'; do
    { printf "$2$model"; head -n 50 "$3"; } > "$corpus/pipeline/$1-${model#\\}"
  done
}
if [ -f "$taobao" ]; then
  for knob in G '$' C; do head_of "$knob" "$taobao" > "$corpus/log_taobao/userbehavior-head-$knob.csv"; done
  pipeline_heads userbehavior-head '\0' "$taobao"
  { printf ',|0|0|1|2|3|4|s|pv=view,cart=cart,fav=fav,buy=purchase\n'; head -n 50 "$taobao"; } \
    | head_of G /dev/stdin > "$corpus/log_delimited/userbehavior-head.csv"
else
  echo "no $taobao: the Taobao seeds are only fuzz/seeds/"
fi
if [ -f "$beauty" ]; then
  for knob in G '$' C; do head_of "$knob" "$beauty" > "$corpus/log_sequences/beauty-head-$knob.txt"; done
  pipeline_heads beauty-head '\1' "$beauty"
  head -n 20 "$beauty" | awk '{ for (i = 2; i <= NF; ++i) print $1, $i }' | head_of G /dev/stdin \
    > "$corpus/log_user_item/beauty-pairs.txt"
  { printf ' |0|0|1||||s|\n'; head -n 50 "$beauty"; } | head_of C /dev/stdin > "$corpus/log_delimited/beauty-head.txt"
else
  echo "no $beauty: the sequence seeds are only fuzz/seeds/"
fi

echo "== fuzzing ${#targets[@]} targets, ${seconds} s each (build/fuzz/<target>.log)"
declare -A execs newcov findings
status=0
for t in "${targets[@]}"; do
  findings_dir="build/fuzz/findings/$t"
  before=$(find "$findings_dir" -type f | wc -l)
  log="build/fuzz/$t.log"
  # One process (no -jobs/-fork): the machine has other work; -timeout catches hangs, -malloc_limit_mb
  # a small input that makes a parser allocate a lot.
  # The pipeline target uses two knob bytes and at most 512 bytes of log (kPipelineMaxLog): longer
  # inputs would only repeat work.
  extra=()
  if [ "$t" = pipeline ]; then extra=(-max_len=514); fi
  set +e
  "build/fuzz/fuzz_$t" "$corpus/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -malloc_limit_mb=64 -print_final_stats=1 -artifact_prefix="$findings_dir/" "${extra[@]}" > "$log" 2>&1
  rc=$?
  set -e
  execs[$t]=$(grep -E "^stat::number_of_executed_units" "$log" | awk '{print $2}' | tail -n 1)
  newcov[$t]=$(grep -E "^stat::new_units_added" "$log" | awk '{print $2}' | tail -n 1)
  findings[$t]=$(( $(find "$findings_dir" -type f | wc -l) - before ))
  if [ "$rc" -ne 0 ] || [ "${findings[$t]}" -gt 0 ]; then
    status=1
    grep -E "ERROR|runtime error|invariant broken|SUMMARY|Test unit written" "$log" | head -n 20 || true
  fi
  printf '%-18s %12s executions, %5s new inputs, %s findings\n' "$t" "${execs[$t]:-?}" "${newcov[$t]:-?}" \
    "${findings[$t]}"
done

echo "== summary (${seconds} s per target)"
for t in "${targets[@]}"; do
  printf '%-18s %12s executions  %s findings\n' "$t" "${execs[$t]:-?}" "${findings[$t]}"
done
[ "$status" -eq 0 ] && echo "fuzz: no findings" || echo "fuzz: findings in build/fuzz/findings/ (see build/fuzz/<target>.log)"
exit $status
