// The long-term encoder against the reference: attention pooling, the MLP, folding, and profiles
// as vectors and files.
#include <gtest/gtest.h>

#include <cmath>

#include "core/long_term.h"
#include "core/profile_format.h"
#include "fixtures.h"
#include "reference.h"

namespace tandem::testing {
namespace {

constexpr double kTol = 1e-5;  // relative, float32 engine vs double reference

std::vector<RefEvent> history(int n) {
  std::vector<RefEvent> h;
  for (int i = 0; i < n; ++i) h.push_back({(i * 13) % 40, i % 4, 1.5e9 - 86400.0 * (n - i) + 17 * i});
  return h;
}

std::vector<Event> to_events(const std::vector<RefEvent>& h) {
  std::vector<Event> e;
  for (const RefEvent& r : h) e.push_back(Event{r.item, r.type, r.time});
  return e;
}

TEST(LongTerm, PoolingAndMlpMatchReference) {
  ModelWeights w = small_weights(40, 16);
  w.lt_decay = 0.35f;  // make recency matter
  auto model = make_model(w);
  const auto h = history(25);
  const auto events = to_events(h);
  const Profile p = encode_history(*model, events.data(), events.size());
  const RefProfile ref = ref_profile(w, h);
  for (int k = 0; k < 16; ++k)
    EXPECT_NEAR(p.pooled[k], ref.pooled[static_cast<std::size_t>(k)], kTol * std::max(1.0, std::fabs(ref.pooled[static_cast<std::size_t>(k)])));
  EXPECT_NEAR(p.log_mass, ref.log_mass, kTol * std::max(1.0, std::fabs(ref.log_mass)));

  std::vector<float> interest(16), scratch(16);
  long_term_interest(*model, p, interest.data(), scratch.data());
  const Vec ref_p = ref_interest(w, ref.pooled);
  for (int k = 0; k < 16; ++k)
    EXPECT_NEAR(interest[static_cast<std::size_t>(k)], ref_p[static_cast<std::size_t>(k)], kTol * std::max(1.0, std::fabs(ref_p[static_cast<std::size_t>(k)])));
}

TEST(LongTerm, FoldingInPartsEqualsEncodingAtOnce) {
  auto model = small_model();
  const auto events = to_events(history(30));
  const Profile whole = encode_history(*model, events.data(), events.size());
  Profile parts = encode_history(*model, events.data(), 11);
  fold_history(*model, events.data() + 11, 19, parts);
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(parts.pooled[k], whole.pooled[k], 1e-5);
  EXPECT_NEAR(parts.log_mass, whole.log_mass, 1e-5);
}

TEST(LongTerm, EmptyHistoryIsThePopulationPrior) {
  auto model = small_model();
  const Profile p = encode_history(*model, nullptr, 0);
  EXPECT_TRUE(p.empty());
  std::vector<float> interest(8), scratch(8);
  long_term_interest(*model, p, interest.data(), scratch.data());
  const Vec ref = ref_interest(model->weights(), Vec(8, 0.0));
  for (int k = 0; k < 8; ++k) EXPECT_NEAR(interest[static_cast<std::size_t>(k)], ref[static_cast<std::size_t>(k)], 1e-6);
}

TEST(LongTerm, ProfileVectorRoundTripAndValidation) {
  auto model = small_model();
  const auto events = to_events(history(5));
  const Profile p = encode_history(*model, events.data(), events.size());
  std::vector<float> v(profile_length(*model));
  profile_to_vector(p, v.data());
  Profile back;
  ASSERT_TRUE(profile_from_vector(*model, v.data(), v.size(), &back).ok());
  EXPECT_EQ(back.pooled, p.pooled);
  EXPECT_EQ(back.log_mass, p.log_mass);

  v[2] = std::nanf("");
  EXPECT_EQ(profile_from_vector(*model, v.data(), v.size(), &back).message(), "profile value 2 is not a finite number");
  v[2] = 0;
  v[8] = std::numeric_limits<float>::infinity();
  EXPECT_EQ(profile_from_vector(*model, v.data(), v.size(), &back).message(),
            "profile value 8 (log mass) must be finite or -Infinity");
}

TEST(LongTerm, ProfileFileIsTiedToItsModel) {
  auto model = small_model();
  auto other = small_model(40, 8, 99);
  const auto events = to_events(history(5));
  const Profile p = encode_history(*model, events.data(), events.size());
  const std::vector<std::uint8_t> file = write_profile(*model, p);
  Profile back;
  ASSERT_TRUE(read_profile(*model, file.data(), file.size(), &back).ok());
  EXPECT_EQ(back.pooled, p.pooled);

  const std::string msg = read_profile(*other, file.data(), file.size(), &back).message();
  EXPECT_EQ(msg.rfind("profile belongs to another model (fingerprint " + model->fingerprint_hex(), 0), 0u) << msg;
  std::vector<std::uint8_t> bad = file;
  bad[24] ^= 1;
  EXPECT_EQ(read_profile(*model, bad.data(), bad.size(), &back).message(), "profile: checksum mismatch (corrupt or truncated)");
  EXPECT_EQ(read_profile(*model, file.data(), file.size() - 1, &back).message(), "profile: checksum mismatch (corrupt or truncated)");
  bad = file;
  bad[0] = 'X';
  EXPECT_EQ(read_profile(*model, bad.data(), bad.size(), &back).message(), "profile: bad magic bytes, not a tandem profile");
}

}  // namespace
}  // namespace tandem::testing
