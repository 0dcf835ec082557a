// The one binary envelope (core/envelope.h): its checks and messages, and that every file format
// of tandem is one.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/envelope.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/session.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

constexpr EnvelopeKind kTest{"test file", "TNDT", 3};

std::vector<std::uint8_t> sealed(const std::string& payload) {
  std::vector<std::uint8_t> out;
  begin_envelope(kTest, &out);
  ByteWriter(out).bytes(payload.data(), payload.size());
  seal_envelope(&out);
  return out;
}

TEST(Envelope, OpensWhatItSealedAndNamesEveryProblem) {
  const std::vector<std::uint8_t> file = sealed("payload");
  ASSERT_EQ(file.size(), 4 + 4 + 7 + 8u);
  ByteReader payload(nullptr, 0);
  ASSERT_TRUE(open_envelope(kTest, file.data(), file.size(), &payload).ok());
  std::string text(payload.remaining(), '\0');
  ASSERT_TRUE(payload.bytes(text.data(), text.size()));
  EXPECT_EQ(text, "payload");

  EXPECT_EQ(open_envelope(kTest, file.data(), 0, &payload).message(), "test file: truncated (0 bytes)");
  EXPECT_EQ(open_envelope(kTest, file.data(), 2, &payload).message(), "test file: truncated (2 bytes)");
  EXPECT_EQ(open_envelope(kTest, file.data(), 10, &payload).message(), "test file: truncated (10 bytes)");
  std::vector<std::uint8_t> bad = file;
  bad[1] = 'X';
  EXPECT_EQ(open_envelope(kTest, bad.data(), bad.size(), &payload).message(), "test file: bad magic bytes, not a tandem test file");
  bad = file;
  bad[4] = 9;
  EXPECT_EQ(open_envelope(kTest, bad.data(), bad.size(), &payload).message(),
            "test file: unsupported version 9 (this build reads 3)");
  bad = file;
  bad[10] ^= 1;
  EXPECT_EQ(open_envelope(kTest, bad.data(), bad.size(), &payload).message(),
            "test file: checksum mismatch (corrupt or truncated)");
  EXPECT_EQ(open_envelope(kTest, file.data(), file.size() - 1, &payload).message(),
            "test file: checksum mismatch (corrupt or truncated)");
}

// Model files, profiles and saved states: a magic, the version after it, and a valid trailing
// XXH64 over everything before (checkpoints: tests/train/test_training.cpp).
TEST(Envelope, EveryFormatIsAnEnvelope) {
  auto model = small_model();
  std::vector<std::uint8_t> model_file;
  ASSERT_TRUE(write_model(*model, default_selftest(*model), &model_file).ok());
  Session s(model);
  ASSERT_TRUE(s.observe(1, 0, 1e9).ok());
  const std::vector<std::vector<std::uint8_t>> files = {model_file, write_profile(*model, s.profile()), s.save_state()};
  const std::vector<std::pair<std::size_t, std::uint32_t>> magic_and_version = {{8, kModelFormatVersion}, {4, 1}, {4, 2}};
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto& f = files[i];
    std::uint32_t version;
    std::memcpy(&version, f.data() + magic_and_version[i].first, 4);
    EXPECT_EQ(version, magic_and_version[i].second) << i;
    EXPECT_TRUE(envelope_checksum(f.data(), f.size()).ok()) << i;
  }
}

}  // namespace
}  // namespace tandem::testing
