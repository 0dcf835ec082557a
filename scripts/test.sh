#!/usr/bin/env bash
# Runs every test: the C++ suites natively and as wasm under Node (CTest), then the JS tests
# against the real wasm (node --test). Builds first (scripts/build.sh installs what is missing).
# Prints the counts of each suite and a closing "N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh || { echo "build failed"; exit 1; }

declare -A passed failed
status=0

# ctest prints "100% tests passed, 0 tests failed out of 42"
run_ctest() { # name dir
  local log="build/$1-ctest.log"
  ctest --test-dir "$2" --output-on-failure -j 2 > "$log" 2>&1 || status=1
  tail -n 20 "$log" | grep -E "tests passed|Failed|FAILED|Not Run" || true
  local line total fails
  line=$(grep -E "tests passed, [0-9]+ tests? failed out of [0-9]+" "$log" | tail -n 1)
  total=$(sed -E 's/.*out of ([0-9]+).*/\1/' <<< "$line")
  fails=$(sed -E 's/.* ([0-9]+) tests? failed.*/\1/' <<< "$line")
  if [ -z "$line" ]; then cat "$log"; total=0; fails=1; status=1; fi
  passed[$1]=$((total - fails))
  failed[$1]=$fails
}

echo "== C++ tests, native"
run_ctest "C++ native" build/native
echo "== C++ tests, wasm under Node"
run_ctest "C++ wasm" build/wasm

echo "== JS tests (node --test, real wasm)"
node --test tests/js/ > build/js-test.log 2>&1 || status=1
grep -E "^not ok|^# (tests|pass|fail)" build/js-test.log || true
if grep -q "^not ok" build/js-test.log; then cat build/js-test.log; fi
passed["JS"]=$(grep -E "^# pass" build/js-test.log | awk '{print $3}')
failed["JS"]=$(grep -E "^# fail" build/js-test.log | awk '{print $3}')
[ -n "${passed[JS]}" ] || { passed["JS"]=0; failed["JS"]=1; status=1; }

echo "== summary"
total_pass=0; total_fail=0
for suite in "C++ native" "C++ wasm" "JS"; do
  printf '%-12s %4d passed, %d failed\n' "$suite" "${passed[$suite]}" "${failed[$suite]}"
  total_pass=$((total_pass + passed[$suite])); total_fail=$((total_fail + failed[$suite]))
done
echo "all: ${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ] || status=1
exit $status
