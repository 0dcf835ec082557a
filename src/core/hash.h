// 64-bit hashing for checksums, fingerprints and the item id lookup.
// XXH64 (Yann Collet's specification), implemented here so that the native and the wasm builds
// compute bit-identical values without another dependency.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tandem {

std::uint64_t xxh64(const void* data, std::size_t size, std::uint64_t seed = 0);

// The same hash over bytes given in pieces (a file written or read in chunks): digest() after any
// sequence of updates equals xxh64 of their concatenation.
class Xxh64Stream {
 public:
  explicit Xxh64Stream(std::uint64_t seed = 0);
  void update(const void* data, std::size_t size);
  std::uint64_t digest() const;

 private:
  std::uint64_t seed_, lanes_[4];
  std::uint64_t total_ = 0;
  unsigned char buffer_[32];
  std::size_t pending_ = 0;  // bytes of an incomplete stripe in buffer_
};

// Lower-case hexadecimal, 16 digits.
std::string hex64(std::uint64_t value);

}  // namespace tandem
