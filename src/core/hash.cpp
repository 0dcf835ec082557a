#include "core/hash.h"

#include <algorithm>
#include <cstring>

namespace tandem {
namespace {

constexpr std::uint64_t P1 = 11400714785074694791ULL;
constexpr std::uint64_t P2 = 14029467366897019727ULL;
constexpr std::uint64_t P3 = 1609587929392839161ULL;
constexpr std::uint64_t P4 = 9650029242287828579ULL;
constexpr std::uint64_t P5 = 2870177450012600261ULL;

inline std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// Reads little-endian regardless of the host; both targets are little-endian, memcpy keeps it
// free of alignment assumptions.
inline std::uint64_t read64(const unsigned char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline std::uint32_t read32(const unsigned char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

inline std::uint64_t round(std::uint64_t acc, std::uint64_t input) {
  acc += input * P2;
  acc = rotl(acc, 31);
  return acc * P1;
}
inline std::uint64_t merge(std::uint64_t acc, std::uint64_t val) {
  acc ^= round(0, val);
  return acc * P1 + P4;
}

// The four lanes over whole 32-byte stripes from p on, while at least 32 bytes remain; returns
// where it stopped.
// Both are inlined into xxh64, whose short ids (the item lookup) must not pay for calls.
#define TANDEM_INLINE inline __attribute__((always_inline))
TANDEM_INLINE const unsigned char* stripes(std::uint64_t v[4], const unsigned char* p, const unsigned char* end) {
  while (end - p >= 32) {
    v[0] = round(v[0], read64(p));
    v[1] = round(v[1], read64(p + 8));
    v[2] = round(v[2], read64(p + 16));
    v[3] = round(v[3], read64(p + 24));
    p += 32;
  }
  return p;
}

// The digest from the lanes (when `total` reached 32 bytes) and the last 0 to 31 bytes [p, end).
TANDEM_INLINE std::uint64_t finish(const std::uint64_t v[4], std::uint64_t total, std::uint64_t seed, const unsigned char* p,
                     const unsigned char* end) {
  std::uint64_t h;
  if (total >= 32) {
    h = rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18);
    for (int k = 0; k < 4; ++k) h = merge(h, v[k]);
  } else {
    h = seed + P5;
  }
  h += total;
  // Compare remaining lengths, never p + k with end: p + k past the end (or on a null pointer,
  // for an empty span) is undefined behaviour.
  while (end - p >= 8) {
    h ^= round(0, read64(p));
    h = rotl(h, 27) * P1 + P4;
    p += 8;
  }
  if (end - p >= 4) {
    h ^= static_cast<std::uint64_t>(read32(p)) * P1;
    h = rotl(h, 23) * P2 + P3;
    p += 4;
  }
  while (p < end) {
    h ^= (*p) * P5;
    h = rotl(h, 11) * P1;
    ++p;
  }
  h ^= h >> 33;
  h *= P2;
  h ^= h >> 29;
  h *= P3;
  h ^= h >> 32;
  return h;
}

}  // namespace

std::uint64_t xxh64(const void* data, std::size_t size, std::uint64_t seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  std::uint64_t v[4] = {seed + P1 + P2, seed + P2, seed, seed - P1};
  return finish(v, size, seed, size >= 32 ? stripes(v, p, end) : p, end);
}

Xxh64Stream::Xxh64Stream(std::uint64_t seed) : seed_(seed), lanes_{seed + P1 + P2, seed + P2, seed, seed - P1} {}

void Xxh64Stream::update(const void* data, std::size_t size) {
  const auto* p = static_cast<const unsigned char*>(data);
  const unsigned char* end = p + size;
  total_ += size;
  if (pending_ > 0) {  // complete the buffered stripe first
    const std::size_t n = std::min<std::size_t>(32 - pending_, size);
    std::memcpy(buffer_ + pending_, p, n);
    pending_ += n;
    p += n;
    if (pending_ < 32) return;
    stripes(lanes_, buffer_, buffer_ + 32);
    pending_ = 0;
  }
  p = stripes(lanes_, p, end);
  pending_ = static_cast<std::size_t>(end - p);
  if (pending_ > 0) std::memcpy(buffer_, p, pending_);
}

std::uint64_t Xxh64Stream::digest() const { return finish(lanes_, total_, seed_, buffer_, buffer_ + pending_); }

std::string hex64(std::uint64_t value) {
  static const char digits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = digits[value & 0xF];
    value >>= 4;
  }
  return out;
}

}  // namespace tandem
