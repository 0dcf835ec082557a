// 64-bit hashing for checksums, fingerprints and the item id lookup.
// XXH64 (Yann Collet's specification), implemented here so that the native and the wasm builds
// compute bit-identical values without another dependency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tandem {

std::uint64_t xxh64(const void* data, std::size_t size, std::uint64_t seed = 0);

// Lower-case hexadecimal, 16 digits.
std::string hex64(std::uint64_t value);

}  // namespace tandem
