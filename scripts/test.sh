#!/usr/bin/env bash
# Runs every test: the C++ suites natively, as wasm under Node, and natively under ASan + UBSan
# (CTest), the JS tests against the real wasm and a fake module (node --test), and the browser
# tests against the demo storefront in headless Chromium (node --test + playwright-core). Builds
# first (scripts/build.sh installs what is missing; --browser adds Chromium; the ASan build goes
# to build/asan), installs the npm devDependencies (npm ci) and prepares the demo
# (scripts/demo.sh --no-serve). Prints the counts of each suite and a closing "N passed, N failed"
# line.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh --browser || { echo "build failed"; exit 1; }
# The same C++ suites once more under AddressSanitizer + UndefinedBehaviorSanitizer (g++, -O1,
# Eigen's own asserts on, any UB fatal), built into build/asan; a failed build fails that suite.
echo "== C++ build with ASan + UBSan (build/asan)"
asan_ready=1
{ cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=-O1 -g" -DTANDEM_SANITIZE=ON \
    -DTANDEM_BUILD_CLI=OFF > build/asan-configure.log 2>&1 \
  && cmake --build build/asan -j "$(nproc)" > build/asan-build.log 2>&1; } \
  || { tail -n 40 build/asan-configure.log build/asan-build.log; echo "ASan build failed"; asan_ready=0; }
# The devDependencies (esbuild, playwright-core, typescript, vite, webpack, react) at the locked versions, when missing or stale.
if [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci (devDependencies: esbuild, playwright-core, typescript, vite, webpack, react)"
  npm ci --no-audit --no-fund > build/npm-ci.log 2>&1 || { cat build/npm-ci.log; echo "npm ci failed"; exit 1; }
fi
# The browser tests need the demo (data, model, profiles); if preparing it fails (say, training),
# the other suites still run and the browser suite counts as failed.
demo_ready=1
bash scripts/demo.sh --no-serve || { echo "demo preparation failed: the browser tests cannot run"; demo_ready=0; }

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
echo "== C++ tests, native under ASan + UBSan"
if [ "$asan_ready" -eq 1 ]; then
  UBSAN_OPTIONS=print_stacktrace=1 run_ctest "C++ asan" build/asan
else
  passed["C++ asan"]=0; failed["C++ asan"]=1; status=1
fi

# node --test prints "# pass N" and "# fail N" at the end
run_node_test() { # name log dir
  node --test "$3" > "$2" 2>&1 || status=1
  # Only the runner's own count lines: a test's diagnostics may start with "# fail..." too.
  grep -E "^not ok|^# (tests|pass|fail) [0-9]+$|^# download size" "$2" || true
  if grep -q "^not ok" "$2"; then cat "$2"; fi
  passed[$1]=$(grep -E "^# pass [0-9]+$" "$2" | tail -n 1 | awk '{print $3}')
  failed[$1]=$(grep -E "^# fail [0-9]+$" "$2" | tail -n 1 | awk '{print $3}')
  if [ -z "${passed[$1]}" ]; then passed[$1]=0; failed[$1]=1; status=1; fi
}

echo "== JS tests (node --test: real wasm, fake module, npm pack, demo data)"
run_node_test "JS" build/js-test.log tests/js/
echo "== browser tests (node --test: headless Chromium against the demo storefront)"
if [ "$demo_ready" -eq 1 ]; then
  run_node_test "browser" build/browser-test.log tests/browser/
else
  passed["browser"]=0; failed["browser"]=1; status=1
fi

echo "== summary"
total_pass=0; total_fail=0
for suite in "C++ native" "C++ wasm" "C++ asan" "JS" "browser"; do
  printf '%-12s %4d passed, %d failed\n' "$suite" "${passed[$suite]}" "${failed[$suite]}"
  total_pass=$((total_pass + passed[$suite])); total_fail=$((total_fail + failed[$suite]))
done
echo "all: ${total_pass} passed, ${total_fail} failed"
[ "$total_fail" -eq 0 ] || status=1
exit $status
