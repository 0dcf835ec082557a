// The ranges of core/limits.h: ids, times, weights, profiles and saved states. Whatever the engine
// accepts must give finite scores and a finite gate; what would not is refused with a message.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/hash.h"
#include "core/limits.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/random.h"
#include "core/session.h"
#include "fixtures.h"

namespace tandem::testing {
namespace {

constexpr float kHuge = 3e38f;

TEST(Limits, IdsAreShortUtf8WithoutControlCharacters) {
  EXPECT_EQ(id_problem("SKU-1"), nullptr);
  EXPECT_EQ(id_problem("caf\xC3\xA9 \xF0\x9F\x91\x9F"), nullptr);  // café 👟
  EXPECT_EQ(id_problem(std::string(1024, 'a')), nullptr);
  EXPECT_STREQ(id_problem(""), "is empty");
  EXPECT_STREQ(id_problem(std::string(1025, 'a')), "is longer than 1024 bytes");
  EXPECT_STREQ(id_problem(std::string("a\0b", 3)), "holds a NUL byte");
  EXPECT_STREQ(id_problem("\r1000"), "holds a control character");
  EXPECT_STREQ(id_problem("a\tb"), "holds a control character");
  for (const char* bad : {"\xFF", "\xC3", "\xC0\xAF" /* overlong '/' */, "\xED\xA0\x80" /* a surrogate */,
                          "\xF4\x90\x80\x80" /* above U+10FFFF */})
    EXPECT_STREQ(id_problem(bad), "is not valid UTF-8") << bad;
}

TEST(Limits, QuotedValuesAreShortAndPrintable) {
  EXPECT_EQ(quote_value("pv"), "'pv'");
  EXPECT_EQ(quote_value("a\xFF\x01z"), "'a\\xFF\\x01z'");
  EXPECT_EQ(quote_value(std::string(50, 'x')), "'" + std::string(40, 'x') + "...'");
}

TEST(Limits, TimesSpanTheRangeOfAJavaScriptDate) {
  EXPECT_TRUE(valid_time(0));
  EXPECT_TRUE(valid_time(8.64e12));
  EXPECT_TRUE(valid_time(-8.64e12));
  EXPECT_FALSE(valid_time(8.64e12 * 1.0000001));
  EXPECT_FALSE(valid_time(1e50));
  EXPECT_FALSE(valid_time(std::nan("")));
  EXPECT_FALSE(valid_time(std::numeric_limits<double>::infinity()));
}

// Why the weights are not a usable model, or "" when they are.
std::string create_error(ModelWeights w) {
  std::shared_ptr<const Model> model;
  return Model::create(std::move(w), &model).message();
}

TEST(Limits, ModelsWithOutOfRangeWeightsOrBadIdsAreRefused) {
  ModelWeights w = small_weights();
  w.gate_w(0, 7) = kHuge;
  EXPECT_EQ(create_error(w),
            "tensor gate_w holds an out-of-range value (3e+38) at element 7 (row 0, column 7); weights must lie "
            "within +-10000");
  w = small_weights();
  w.item_bias[3] = -kMaxWeight;  // the limit itself is a weight
  EXPECT_EQ(create_error(w), "");
  w = small_weights();
  quantize_item_table(w);
  w.item_vec_scale[2] = kMaxWeight;  // 127 * scale would be beyond the limit
  EXPECT_NE(create_error(w).find("tensor item_vec_scale holds an out-of-range value"), std::string::npos);

  w = small_weights();
  w.item_ids[4] = std::string("SKU\0X", 5);
  EXPECT_EQ(create_error(w), "item id at row 4 holds a NUL byte");
  w = small_weights();
  w.catalog.features[0].values[1] = "\xFF";
  EXPECT_EQ(create_error(w), "feature 0 (category) value 1 is not valid UTF-8");
  w = small_weights();
  w.config.event_types[2] = "c\xC3";
  EXPECT_EQ(create_error(w), "config.event_types[2] is not valid UTF-8");
}

TEST(Limits, ASelfTestToleranceBelowTheFloorIsRefused) {
  auto model = small_model();
  SelfTestSpec spec = default_selftest(*model);
  for (double tolerance : {0.0, 1e-6, 2.0}) {
    spec.tolerance = tolerance;
    std::vector<std::uint8_t> bytes;
    ASSERT_TRUE(write_model(*model, spec, &bytes).ok());
    LoadedModel loaded;
    const Status s = read_model(bytes.data(), bytes.size(), ReadOptions{true}, &loaded);
    EXPECT_FALSE(loaded.model) << tolerance;
    EXPECT_NE(s.message().find("selftest.tolerance must be between 1e-05 and 1"), std::string::npos) << s.message();
  }
}

// A state blob with one float replaced and the checksum made valid again: only the range checks
// stand between it and the session.
std::vector<std::uint8_t> doctored_state(const Session& s, std::size_t float_offset, float value) {
  std::vector<std::uint8_t> blob = s.save_state();
  std::memcpy(blob.data() + float_offset, &value, sizeof value);
  const std::uint64_t sum = xxh64(blob.data(), blob.size() - 8);
  std::memcpy(blob.data() + blob.size() - 8, &sum, 8);
  return blob;
}

TEST(Limits, HugeButFiniteStatesAndProfilesAreRefusedAndChangeNothing) {
  auto model = small_model();
  const int d = model->dim();
  Session a(model);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(a.observe(i, 0, 1e9 + 10 * i).ok());
  a.fold_recent_events();
  const std::size_t h = 65, c = h + 4 * d, pooled = c + 4 * d;  // offsets of the state layout (save_state)

  Session b(model);
  ASSERT_TRUE(b.observe(5, 1, 1e9).ok());
  const std::vector<std::uint8_t> before = b.save_state();
  const std::vector<std::uint8_t> huge_h = doctored_state(a, h + 8, kHuge);
  EXPECT_EQ(b.restore_state(huge_h.data(), huge_h.size()).message(),
            "session state: the short-term state is out of range (|h| <= 1, |c| <= 1e+06)");
  const std::vector<std::uint8_t> huge_c = doctored_state(a, c, -kHuge);
  EXPECT_EQ(b.restore_state(huge_c.data(), huge_c.size()).message(),
            "session state: the short-term state is out of range (|h| <= 1, |c| <= 1e+06)");
  const std::vector<std::uint8_t> huge_p = doctored_state(a, pooled + 4, kHuge);
  EXPECT_EQ(b.restore_state(huge_p.data(), huge_p.size()).message(),
            "session state: profile value 1 is out of range (3e+38; a profile of this model lies within +-" +
                format_number(model->profile_limit()) + ")");
  EXPECT_EQ(b.save_state(), before) << "a refused state changes nothing";

  std::vector<float> profile(profile_length(*model), 0.0f);
  profile[2] = kHuge;
  EXPECT_NE(b.set_profile(profile.data(), profile.size()).message().find("profile value 2 is out of range"),
            std::string::npos);
  Profile p;
  p.pooled = Vector::Zero(d);
  p.pooled[0] = kHuge;
  p.log_mass = 0;
  const std::vector<std::uint8_t> file = write_profile(*model, p);
  Profile read;
  EXPECT_NE(read_profile(*model, file.data(), file.size(), &read).message().find("profile value 0 is out of range"),
            std::string::npos);
  EXPECT_EQ(b.save_state(), before);
}

// Property: random weights at and inside the limits, random accepted profiles, states at the edge
// of their ranges, events at the extremes of time: every score, part and the gate stay finite.
TEST(Limits, EveryAcceptedInputGivesFiniteScores) {
  Rng rng(2026);
  auto extreme = [&rng](float limit) {
    switch (rng.below(6)) {
      case 0: return limit;
      case 1: return -limit;
      case 2: return 0.0f;
      case 3: return limit * 1e-30f;
      default: return rng.uniform(-limit, limit);
    }
  };
  for (int trial = 0; trial < 24; ++trial) {
    const int d = trial % 3 == 0 ? 64 : 8 + 4 * (trial % 3);
    ModelWeights w = random_weights(small_config(d), item_ids(30), {"a", "b"}, static_cast<std::uint64_t>(trial));
    const bool int8 = trial % 4 == 1;
    for (Matrix* m : {&w.item_vec, &w.type_emb, &w.gap_emb, &w.lstm_w, &w.lt_type_emb, &w.mlp_w1, &w.mlp_w2, &w.gate_w})
      for (Eigen::Index i = 0; i < m->size(); ++i) m->data()[i] = extreme(kMaxWeight);
    for (Vector* v : {&w.item_bias, &w.lstm_b, &w.lt_query, &w.mlp_b1, &w.mlp_b2, &w.gate_b, &w.repeat_recency, &w.repeat_type})
      for (Eigen::Index i = 0; i < v->size(); ++i) (*v)[i] = extreme(kMaxWeight);
    w.lt_decay = extreme(kMaxWeight);
    if (int8) quantize_item_table(w);
    auto model = make_model(std::move(w));
    ASSERT_TRUE(model);

    Session s(model);
    std::vector<float> profile(profile_length(*model));
    for (int k = 0; k < d; ++k) profile[static_cast<std::size_t>(k)] = extreme(model->profile_limit());
    const float masses[] = {-std::numeric_limits<float>::infinity(), -kHuge, 0.0f, kHuge};
    profile[static_cast<std::size_t>(d)] = masses[rng.below(4)];
    ASSERT_TRUE(s.set_profile(profile.data(), profile.size()).ok());
    const double times[] = {-kMaxTimeSeconds, 0, 1e9, 1e9 + 5, kMaxTimeSeconds};
    for (int e = 0; e < 5; ++e)
      ASSERT_TRUE(s.observe(static_cast<std::int32_t>(rng.below(30)), static_cast<int>(rng.below(4)),
                            times[rng.below(5)]).ok());
    if (trial % 2) {  // a restored state with h and c at the edge of their ranges
      std::vector<std::uint8_t> blob = s.save_state();
      for (int k = 0; k < d; ++k) {
        const float hv = rng.below(2) ? 1.0f : -1.0f, cv = rng.below(2) ? kMaxCell : -kMaxCell;
        std::memcpy(blob.data() + 65 + 4 * k, &hv, 4);
        std::memcpy(blob.data() + 65 + 4 * (d + k), &cv, 4);
      }
      const std::uint64_t sum = xxh64(blob.data(), blob.size() - 8);
      std::memcpy(blob.data() + blob.size() - 8, &sum, 8);
      ASSERT_TRUE(s.restore_state(blob.data(), blob.size()).ok());
    }
    s.fold_recent_events();

    std::vector<std::int32_t> rows = {-1};
    for (std::int32_t r = 0; r < 30; ++r) rows.push_back(r);
    std::vector<float> scores(rows.size()), lt(rows.size()), st(rows.size());
    s.score(rows.data(), rows.size(), scores.data());
    s.score_parts(rows.data(), rows.size(), lt.data(), st.data());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      EXPECT_TRUE(std::isfinite(scores[i]) && std::isfinite(lt[i]) && std::isfinite(st[i]))
          << "trial " << trial << " row " << rows[i] << ": " << scores[i] << " " << lt[i] << " " << st[i];
    }
    EXPECT_TRUE(std::isfinite(s.gate_mean())) << trial;
    std::vector<std::int32_t> best(10);
    std::vector<float> best_scores(10);
    EXPECT_EQ(s.recommend(10, Exclude::none, nullptr, 0, best.data(), best_scores.data()), 10u) << trial;
    ASSERT_TRUE(s.resume_at(kMaxTimeSeconds).ok());
    s.score(rows.data(), rows.size(), scores.data());
    for (float x : scores) EXPECT_TRUE(std::isfinite(x)) << "trial " << trial << " after the visit ended";
  }
}

}  // namespace
}  // namespace tandem::testing
