// The libFuzzer entry point of one target; CMake compiles this file once per target with
// TANDEM_FUZZ_TARGET set to the function's name (targets.h).
#include <cstddef>
#include <cstdint>

#include "targets.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  tandem::fuzz::TANDEM_FUZZ_TARGET(data, size);
  return 0;
}
