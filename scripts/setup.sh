#!/usr/bin/env bash
# Installs what tandem needs on a Debian 12 machine, and says what it installs.
# Usage: scripts/setup.sh [--browser] [--fuzz]
#   --browser  also Chromium, for the browser tests
#   --fuzz     also clang 14 with its sanitizer, libFuzzer and OpenMP runtimes, for scripts/fuzz.sh
# The C++ tests under ASan + UBSan (scripts/test.sh) use g++, whose sanitizer runtimes (libasan8,
# libubsan1) come with it. Runs apt-get as root (or via sudo); installs nothing already there.
set -euo pipefail

want=()
need() { # need PACKAGE PATH-THAT-PROVES-IT
  if [ ! -e "$2" ]; then want+=("$1"); fi
}
need emscripten /usr/bin/em++
need libeigen3-dev /usr/include/eigen3/Eigen/Core
need nlohmann-json3-dev /usr/include/nlohmann/json.hpp
need libgtest-dev /usr/src/googletest/CMakeLists.txt
need libopenblas0-openmp /usr/lib/x86_64-linux-gnu/openblas-openmp/libopenblas.so.0
need libopenblas-dev /usr/include/x86_64-linux-gnu/openblas_config.h
need cmake /usr/bin/cmake
need g++ /usr/bin/g++
# The profile stores (tandem profiles --store): SQLite embedded, Redis through hiredis (the C
# client the Redis project keeps); redis-server for the store tests, which start their own.
need pkg-config /usr/bin/pkg-config
need libsqlite3-dev /usr/include/sqlite3.h
need libhiredis-dev /usr/include/hiredis/hiredis.h
need redis-server /usr/bin/redis-server
# Distributed training (mpirun -np N tandem train, docs/scale.md): Open MPI's headers and mpirun;
# the build without it stays single-process and its MPI tests skip.
need libopenmpi-dev /usr/lib/x86_64-linux-gnu/openmpi/include/mpi.h
need openmpi-bin /usr/bin/mpirun
# npm ci builds better-sqlite3 (the profile server's SQLite reader, tests) with node-gyp: it needs
# make, a Python 3 and the Node headers the nodejs package installs.
need make /usr/bin/make
command -v python3 > /dev/null || want+=(python3)
for flag in "$@"; do
  case "$flag" in
    --browser) need chromium /usr/bin/chromium ;;
    --fuzz)
      need clang-14 /usr/bin/clang++-14
      need clang /usr/bin/clang++
      need libclang-rt-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
      need libomp-14-dev /usr/lib/llvm-14/lib/clang/14.0.6/include/omp.h ;;
    *) echo "setup: unknown option $flag (expected --browser, --fuzz)" >&2; exit 2 ;;
  esac
done

if [ ${#want[@]} -eq 0 ]; then
  echo "setup: all system packages present"
  exit 0
fi

echo "setup: installing Debian packages: ${want[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}" >/dev/null
echo "setup: installed ${want[*]}"
