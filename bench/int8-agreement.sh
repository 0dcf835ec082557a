#!/usr/bin/env bash
# Top-10 agreement of the int8 item table with float32 on a trained model: `tandem export --int8`
# writes the int8 copy, `tandem eval --dump-topk` ranks the same test cases with both, and the
# script prints how many of the float32 top 10 the int8 top 10 keeps (mean, and the share of
# cases that keep at least 9), plus both files' sizes.
#
#   bash bench/int8-agreement.sh MODEL LOG FORMAT [eval options, e.g. --exclude-history]
#
# For the demo storefront's model (scripts/demo.sh --no-serve writes it):
#   bash bench/int8-agreement.sh build/demo/demo.tandem build/demo/demo-log.csv taobao
# For Beauty (bash bench/quality.sh beauty writes the model):
#   bash bench/int8-agreement.sh build/bench/beauty.tandem ../shared/data/amazon-beauty/Beauty.txt sequences --exclude-history
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 3 ]; then
  echo "usage: bash bench/int8-agreement.sh MODEL LOG FORMAT [eval options]" >&2
  exit 2
fi
model="$1" log="$2" format="$3"
shift 3
cli=build/native/src/cli/tandem
[ -x "$cli" ] || bash scripts/build.sh
out="build/bench/int8-agreement/$(basename "$model" .tandem)"
mkdir -p "$out"
"$cli" export --model "$model" --out "$out/int8.tandem" --int8
"$cli" eval --model "$model" --data "$log" --format "$format" --dump-topk "$out/f32.jsonl" "$@" > "$out/f32.txt"
"$cli" eval --model "$out/int8.tandem" --data "$log" --format "$format" --dump-topk "$out/int8.jsonl" "$@" > "$out/int8.txt"
node - "$out/f32.jsonl" "$out/int8.jsonl" "$model" "$out/int8.tandem" <<'EOF'
const { readFileSync, statSync } = require('node:fs');
const [f32, int8, f32Model, int8Model] = process.argv.slice(2);
const read = (path) => readFileSync(path, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
const a = read(f32), b = read(int8);
if (a.length !== b.length) throw new Error(`the dumps hold ${a.length} and ${b.length} cases`);
let kept = 0, atLeast9 = 0;
for (let i = 0; i < a.length; i++) {
  if (a[i].user !== b[i].user || a[i].position !== b[i].position)
    throw new Error(`case ${a[i].user}@${a[i].position} vs ${b[i].user}@${b[i].position} at line ${i + 1}`);
  const top = new Set(a[i].topk.slice(0, 10));
  const same = b[i].topk.slice(0, 10).filter((id) => top.has(id)).length;
  kept += same;
  if (same >= 9) atLeast9++;
}
const mb = (path) => (statSync(path).size / 1e6).toFixed(2);
console.log(`cases: ${a.length}`);
console.log(`top-10 agreement, int8 vs float32: ${(kept / a.length).toFixed(2)} of 10 on average; ${((100 * atLeast9) / a.length).toFixed(1)} % of cases keep at least 9`);
console.log(`model file: float32 ${mb(f32Model)} MB, int8 ${mb(int8Model)} MB`);
EOF
