// XXH64: the reference implementation's values (xxhsum), every tail length, the streaming form, and an empty span at a
// null pointer (what an empty tensor's data() is), which must hash without undefined behaviour.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/hash.h"

namespace tandem {
namespace {

std::uint64_t hash(const std::string& s, std::uint64_t seed = 0) { return xxh64(s.data(), s.size(), seed); }

TEST(Hash, MatchesTheReferenceValues) {
  EXPECT_EQ(hash(""), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(hash("a"), 0xD24EC4F1A98C6E5BULL);
  EXPECT_EQ(hash("abc"), 0x44BC2CF5AD770999ULL);
  EXPECT_EQ(hash("Nobody inspects the spammish repetition"), 0xFBCEA83C8A378BF1ULL);
}

TEST(Hash, EmptySpanAtANullPointer) {
  EXPECT_EQ(xxh64(nullptr, 0), 0xEF46DB3751D8E999ULL);
  EXPECT_EQ(xxh64(nullptr, 0, 5), hash("", 5));
}

TEST(Hash, EveryLengthReadsOnlyItsBytes) {
  // Each prefix hashed from its own exact-size buffer (ASan flags any read past it), and a change
  // of the last byte always changes the hash.
  const std::string text = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!";
  for (std::size_t n = 1; n <= text.size(); ++n) {
    std::vector<unsigned char> exact(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(n));
    const std::uint64_t h = xxh64(exact.data(), n);
    EXPECT_EQ(h, hash(text.substr(0, n))) << n;
    exact.back() ^= 1;
    EXPECT_NE(xxh64(exact.data(), n), h) << n;
  }
}

TEST(Hash, StreamEqualsOneShotForAnySplit) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + (i * 7) % 26);
  for (std::size_t n : {0, 1, 31, 32, 33, 64, 100, 300}) {
    for (std::size_t piece : {1, 5, 31, 32, 33, 1000}) {
      Xxh64Stream stream(9);
      for (std::size_t at = 0; at < n; at += piece) stream.update(text.data() + at, std::min(piece, n - at));
      EXPECT_EQ(stream.digest(), xxh64(text.data(), n, 9)) << n << " in pieces of " << piece;
    }
  }
}

}  // namespace
}  // namespace tandem
