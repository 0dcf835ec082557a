#!/usr/bin/env bash
# Installs what tandem needs on a Debian 12 machine, and says what it installs.
# Usage: scripts/setup.sh [--browser]   (--browser also installs Chromium for the browser tests)
# Runs apt-get as root (or via sudo); installs nothing that is already there.
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
if [ "${1:-}" = "--browser" ]; then
  need chromium /usr/bin/chromium
fi

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
