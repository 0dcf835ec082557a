// Session behaviour against the double-precision reference (reference.h): the LSTM step, the
// gate, the scores with the repeat term; then ranking, exclusions, timeouts, state and errors.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <new>
#include <numeric>

#include "core/envelope.h"
#include "core/hash.h"
#include "core/long_term.h"
#include "core/session.h"
#include "fixtures.h"
#include "reference.h"

// Counts heap allocations, to check that observe() makes none.
static std::atomic<long> g_allocations{0};
void* operator new(std::size_t size) {
  ++g_allocations;
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
// The nothrow form too (std::stable_sort's buffer uses it): under ASan the default one would not
// come from malloc, and the replaced delete would free it with the wrong deallocator.
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  ++g_allocations;
  return std::malloc(size ? size : 1);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace tandem::testing {
namespace {

// Relative tolerance of the float32 engine against the double reference.
constexpr double kTol = 1e-5;

::testing::AssertionResult close(double got, double want) {
  if (std::fabs(got - want) <= kTol * std::max(1.0, std::fabs(want))) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "got " << got << ", want " << want;
}

// A sequence with repeats, an unknown item, a purchase and a gap past the session timeout.
std::vector<RefEvent> sample_events() {
  const double t0 = 1.5e9 + 3600;
  return {{3, 0, t0},        {7, 1, t0 + 5},      {3, 0, t0 + 65},    {-1, 0, t0 + 70},
          {12, 3, t0 + 200}, {7, 2, t0 + 1000},   {20, 0, t0 + 9000}, {21, 0, t0 + 9004},
          {3, 0, t0 + 9010}, {5, 1, t0 + 9500}};
}

struct RefRun {
  Vec u, gate, h;
  std::vector<RefEvent> window;
};

// The reference run of a session over events, with a profile of `history`.
RefRun reference_run(const ModelWeights& w, const std::vector<RefEvent>& events, const std::vector<RefEvent>& history) {
  RefLstm lstm;
  lstm.h.assign(static_cast<std::size_t>(w.config.dim), 0.0);
  lstm.c = lstm.h;
  RefRun run;
  for (const RefEvent& e : events) {
    ref_observe(w, lstm, e);
    if (e.item >= 0) run.window.push_back(e);
  }
  if (run.window.size() > static_cast<std::size_t>(w.config.window))
    run.window.erase(run.window.begin(), run.window.end() - w.config.window);
  const RefProfile profile = ref_profile(w, history);
  run.h = lstm.h;
  run.u = ref_fuse(w, ref_interest(w, profile.pooled), lstm.h, &run.gate);
  return run;
}

std::vector<RefEvent> sample_history() {
  return {{30, 0, 1.5e9 - 86400 * 5}, {31, 3, 1.5e9 - 86400 * 2}, {30, 2, 1.5e9 - 3600}};
}

void feed(Session& s, const std::vector<RefEvent>& events) {
  for (const RefEvent& e : events) ASSERT_TRUE(s.observe(e.item, e.type, e.time).ok());
}

void set_history(Session& s, const std::vector<RefEvent>& history) {
  std::vector<Event> events;
  for (const RefEvent& e : history) events.push_back(Event{e.item, e.type, e.time});
  s.set_profile(encode_history(s.model(), events.data(), events.size()));
}

void expect_matches_reference(const ModelWeights& w, std::shared_ptr<const Model> model) {
  Session s(model);
  feed(s, sample_events());
  set_history(s, sample_history());
  const RefRun ref = reference_run(w, sample_events(), sample_history());

  const Vector& u = s.interest();
  for (int k = 0; k < w.config.dim; ++k) EXPECT_TRUE(close(u[k], ref.u[static_cast<std::size_t>(k)])) << "u[" << k << "]";
  const double gate_mean = std::accumulate(ref.gate.begin(), ref.gate.end(), 0.0) / static_cast<double>(ref.gate.size());
  EXPECT_TRUE(close(s.gate_mean(), gate_mean));

  std::vector<std::int32_t> candidates = {3, 7, 12, 20, 21, 5, 0, 39, -1, 3};
  std::vector<float> scores(candidates.size());
  s.score(candidates.data(), candidates.size(), scores.data());
  for (std::size_t i = 0; i < candidates.size(); ++i)
    EXPECT_TRUE(close(scores[i], ref_score(w, ref.u, ref.window, candidates[i]))) << "candidate " << candidates[i];
}

TEST(Session, ScoresMatchReferenceWithGate) {
  ModelWeights w = small_weights();
  expect_matches_reference(w, make_model(w));
}

TEST(Session, ScorePartsSplitTheFusedInterest) {
  ModelWeights w = small_weights();
  auto model = make_model(w);
  Session s(model);
  feed(s, sample_events());
  set_history(s, sample_history());
  const RefRun ref = reference_run(w, sample_events(), sample_history());
  const Vec p = ref_interest(w, ref_profile(w, sample_history()).pooled);
  std::vector<std::int32_t> c = {3, 7, 0, -1};
  std::vector<float> lt(c.size()), st(c.size()), total(c.size());
  s.score_parts(c.data(), c.size(), lt.data(), st.data());
  for (std::size_t i = 0; i < c.size(); ++i) {
    double want_long = 0, want_short = 0;
    for (int k = 0; k < 8; ++k) {
      const auto K = static_cast<std::size_t>(k);
      double v = 0;
      if (c[i] >= 0) {
        v = ref_item(w, c[i])[K];
      } else {
        for (int j = 0; j < 40; ++j) v += ref_item(w, j)[K] / 40;
      }
      want_long += ref.gate[K] * p[K] * v;
      want_short += (1 - ref.gate[K]) * ref.h[K] * v;
    }
    EXPECT_TRUE(close(lt[i], want_long)) << "long part of " << c[i];
    EXPECT_TRUE(close(st[i], want_short)) << "short part of " << c[i];
  }
}

// One pass per ranking: the order, the scores and each ranked item's long-term share come from one
// rerank call, the share being |long| / (|long| + |short|) of score_parts; keep_order keeps the
// candidates as given (the holdout arm's control) with the same scores and shares.
TEST(Session, RerankGivesScoresAndLongTermSharesInOnePass) {
  auto model = small_model();
  Session s(model);
  feed(s, sample_events());
  set_history(s, sample_history());
  const std::vector<std::int32_t> c = {3, 7, 12, -1, 20, 5};
  std::vector<std::int32_t> pos(c.size()), kept(c.size());
  std::vector<float> scores(c.size()), shares(c.size()), kept_scores(c.size()), kept_shares(c.size());
  ASSERT_EQ(s.rerank(c.data(), c.size(), 4, pos.data(), scores.data(), shares.data()), 4u);
  for (std::size_t i = 0; i < 4; ++i) {
    float lt, st;
    s.score_parts(&c[static_cast<std::size_t>(pos[i])], 1, &lt, &st);
    const float want = std::fabs(lt) + std::fabs(st) > 0 ? std::fabs(lt) / (std::fabs(lt) + std::fabs(st)) : 0.5f;
    EXPECT_EQ(shares[i], want) << i;
    if (i > 0) EXPECT_GE(scores[i - 1], scores[i]);
  }
  ASSERT_EQ(s.rerank(c.data(), c.size(), c.size(), kept.data(), kept_scores.data(), kept_shares.data(), true), c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(kept[i], static_cast<std::int32_t>(i));
    for (std::size_t j = 0; j < 4; ++j)
      if (pos[j] == kept[i]) {
        EXPECT_EQ(kept_scores[i], scores[j]);
        EXPECT_EQ(kept_shares[i], shares[j]);
      }
  }
}

TEST(Session, ScoresMatchReferenceLongAndShortOnly) {
  for (Fusion f : {Fusion::long_term, Fusion::short_term}) {
    ModelWeights w = small_weights();
    w.config.fusion = f;
    expect_matches_reference(w, make_model(w));
  }
}

TEST(Session, ScoresMatchReferenceWithInt8ItemTable) {
  ModelWeights w = small_weights();
  quantize_item_table(w);
  expect_matches_reference(w, make_model(w));
}

TEST(Session, LstmStepMatchesReference) {
  ModelWeights w = small_weights(40, 16);
  w.config.fusion = Fusion::short_term;  // u = h
  auto model = make_model(w);
  Session s(model);
  RefLstm ref;
  const double t0 = 1.5e9;
  for (int i = 0; i < 30; ++i) {
    const RefEvent e{(i * 7) % 40, i % 4, t0 + i * 37.0 * (i % 5)};
    ASSERT_TRUE(s.observe(e.item, e.type, e.time).ok());
    ref_observe(w, ref, e);
    const Vector& h = s.interest();
    for (int k = 0; k < 16; ++k) ASSERT_TRUE(close(h[k], ref.h[static_cast<std::size_t>(k)])) << "step " << i << " h[" << k << "]";
  }
}

TEST(Session, RerankSortsByScoreAndKeepsInputOrderOnTies) {
  auto model = small_model();
  Session s(model);
  feed(s, sample_events());
  // Duplicates tie exactly; unknown ids (-1) tie with each other.
  std::vector<std::int32_t> c = {5, 9, -1, 5, 14, 9, -1, 33};
  std::vector<float> scores(c.size()), sorted(c.size());
  std::vector<std::int32_t> pos(c.size());
  s.score(c.data(), c.size(), scores.data());
  ASSERT_EQ(s.rerank(c.data(), c.size(), c.size(), pos.data(), sorted.data()), c.size());
  for (std::size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(sorted[i], scores[static_cast<std::size_t>(pos[i])]);
    if (i > 0) {
      EXPECT_GE(sorted[i - 1], sorted[i]);
      if (sorted[i - 1] == sorted[i]) EXPECT_LT(pos[i - 1], pos[i]) << "ties keep input order";
    }
  }
  // Every position exactly once.
  std::vector<std::int32_t> seen(pos);
  std::sort(seen.begin(), seen.end());
  for (std::size_t i = 0; i < c.size(); ++i) EXPECT_EQ(seen[i], static_cast<std::int32_t>(i));
  // A top-3 request returns the head of the full ranking.
  std::vector<std::int32_t> top(3);
  std::vector<float> top_scores(3);
  ASSERT_EQ(s.rerank(c.data(), c.size(), 3, top.data(), top_scores.data()), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(top[static_cast<std::size_t>(i)], pos[static_cast<std::size_t>(i)]);
}

// Brute force: all rows sorted by (score desc, row asc) minus exclusions.
std::vector<std::int32_t> brute_force(Session& s, std::size_t k, const std::vector<std::int32_t>& excluded) {
  const std::int32_t n = s.model().item_count();
  std::vector<std::int32_t> rows(static_cast<std::size_t>(n));
  std::iota(rows.begin(), rows.end(), 0);
  std::vector<float> scores(rows.size());
  s.score(rows.data(), rows.size(), scores.data());
  std::vector<std::int32_t> kept;
  for (std::int32_t r : rows)
    if (std::find(excluded.begin(), excluded.end(), r) == excluded.end()) kept.push_back(r);
  std::stable_sort(kept.begin(), kept.end(), [&](std::int32_t a, std::int32_t b) {
    return scores[static_cast<std::size_t>(a)] > scores[static_cast<std::size_t>(b)];
  });
  kept.resize(std::min(k, kept.size()));
  return kept;
}

TEST(Session, RecommendIsTheTopOfTheWholeCatalogWithExclusions) {
  auto model = small_model(300);
  Session s(model);
  feed(s, sample_events());
  std::vector<std::int32_t> rows(300);
  std::vector<float> scores(300);

  std::size_t got = s.recommend(10, Exclude::none, nullptr, 0, rows.data(), scores.data());
  ASSERT_EQ(got, 10u);
  EXPECT_EQ(std::vector<std::int32_t>(rows.begin(), rows.begin() + 10), brute_force(s, 10, {}));

  // Window after the sample: 7(cart), 20, 21, 3, 5 and 12 (purchase) were seen; 12 was bought.
  got = s.recommend(10, Exclude::purchased, nullptr, 0, rows.data(), scores.data());
  EXPECT_EQ(std::vector<std::int32_t>(rows.begin(), rows.begin() + static_cast<long>(got)), brute_force(s, 10, {12}));

  std::vector<std::int32_t> seen;
  for (std::size_t i = 0; i < s.recent_count(); ++i) seen.push_back(s.recent(i).item);
  const std::vector<std::int32_t> extra = {rows[0], 250};
  got = s.recommend(10, Exclude::seen, extra.data(), extra.size(), rows.data(), scores.data());
  std::vector<std::int32_t> all_excluded = seen;
  all_excluded.insert(all_excluded.end(), extra.begin(), extra.end());
  EXPECT_EQ(std::vector<std::int32_t>(rows.begin(), rows.begin() + static_cast<long>(got)), brute_force(s, 10, all_excluded));

  // k beyond the catalog returns what is left.
  got = s.recommend(1000, Exclude::purchased, nullptr, 0, rows.data(), scores.data());
  EXPECT_EQ(got, 299u);
  EXPECT_EQ(s.recommend(0, Exclude::none, nullptr, 0, rows.data(), scores.data()), 0u);
}

TEST(Session, RecommendOverManyBlocksIsTheTopOfTheWholeCatalogForAnyWidth) {
  // 3,000 rows: a dozen blocks of the scan, most skipped whole once the top 20 fills; widths off
  // the compile-time kernels, float32 and int8.
  for (const int dim : {36, 68}) {
    for (const bool int8 : {false, true}) {
      ModelWeights w = small_weights(3000, dim, 21);
      if (int8) quantize_item_table(w);
      Session s(make_model(w));
      feed(s, sample_events());
      std::vector<std::int32_t> rows(20);
      std::vector<float> scores(20);
      ASSERT_EQ(s.recommend(20, Exclude::none, nullptr, 0, rows.data(), scores.data()), 20u);
      EXPECT_EQ(rows, brute_force(s, 20, {})) << "dim " << dim << (int8 ? " int8" : " float32");
    }
  }
}

TEST(Session, GapLongerThanTimeoutStartsANewSession) {
  ModelWeights w = small_weights();
  w.config.fusion = Fusion::short_term;
  auto model = make_model(w);
  Session a(model), b(model);
  const double t0 = 1.5e9;
  ASSERT_TRUE(a.observe(1, 0, t0).ok());
  ASSERT_TRUE(a.observe(2, 0, t0 + 60).ok());
  EXPECT_EQ(a.counters().sessions, 1u);
  ASSERT_TRUE(a.observe(3, 1, t0 + 60 + 1801).ok());  // past the 1800 s timeout
  EXPECT_EQ(a.counters().sessions, 2u);
  ASSERT_TRUE(b.observe(3, 1, t0 + 60 + 1801).ok());  // a fresh session seeing only that event
  for (int k = 0; k < 8; ++k) EXPECT_EQ(a.interest()[k], b.interest()[k]);
  // Exactly at the timeout the session goes on.
  ASSERT_TRUE(a.observe(4, 0, t0 + 60 + 1801 + 1800).ok());
  EXPECT_EQ(a.counters().sessions, 2u);
}

// Asked for after the session timeout, the shopper is in a new visit: the short-term state no
// longer counts (a short-only model's interest is 0), the recent window (the repeat term) stays,
// and the next event goes on exactly as it would have without the call.
TEST(Session, ResumingAfterTheTimeoutScoresTheNewVisit) {
  ModelWeights w = small_weights();
  w.config.fusion = Fusion::short_term;
  auto model = make_model(w);
  Session a(model), b(model);
  const double t0 = 1.5e9;
  for (Session* s : {&a, &b}) {
    ASSERT_TRUE(s->observe(1, 0, t0).ok());
    ASSERT_TRUE(s->observe(2, 0, t0 + 60).ok());
  }
  const Vector before = a.interest();
  ASSERT_GT(before.norm(), 0);
  bool ended = true;
  ASSERT_TRUE(a.resume_at(t0 + 60 + 1800, &ended).ok());  // exactly at the timeout: the same visit
  EXPECT_FALSE(ended);
  EXPECT_EQ(a.interest(), before);
  ASSERT_TRUE(a.resume_at(t0 + 60 + 1801, &ended).ok());
  EXPECT_TRUE(ended);
  EXPECT_EQ(a.interest(), Vector::Zero(8));
  ASSERT_TRUE(a.resume_at(t0 + 60 + 9999, &ended).ok());
  EXPECT_FALSE(ended) << "already a new visit";
  EXPECT_EQ(a.recent_count(), 2u);
  EXPECT_EQ(a.counters().sessions, 1u) << "the new visit is counted by its first event";
  ASSERT_TRUE(a.observe(3, 1, t0 + 60 + 1900).ok());
  ASSERT_TRUE(b.observe(3, 1, t0 + 60 + 1900).ok());
  EXPECT_EQ(a.interest(), b.interest());
  EXPECT_EQ(a.counters().sessions, 2u);
  const char* range = "the time must be a number of seconds within +-8.64e12 (the range of a JavaScript Date)";
  EXPECT_EQ(a.resume_at(std::nan("")).message(), range);
  EXPECT_EQ(a.resume_at(1e50).message(), range);
  EXPECT_EQ(a.resume_at(-8.7e12).message(), range);
  EXPECT_TRUE(a.resume_at(8.64e12).ok()) << "the last valid JavaScript Date";
}

TEST(Session, UnknownItemsAreCountedAndIgnored) {
  auto model = small_model();
  Session a(model), b(model);
  feed(a, {{1, 0, 1e9}, {-1, 2, 1e9 + 1}, {2, 0, 1e9 + 2}});
  feed(b, {{1, 0, 1e9}, {2, 0, 1e9 + 2}});
  EXPECT_EQ(a.counters().unknown_items, 1u);
  EXPECT_EQ(a.counters().events, 2u);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(a.interest()[k], b.interest()[k]);
  EXPECT_EQ(model->find_item("no-such-sku"), -1);
  EXPECT_EQ(model->find_item("SKU-1007"), 7);
}

TEST(Session, ObserveRejectsBadInputWithAMessage) {
  auto model = small_model();
  Session s(model);
  Status st = s.observe(1, 4, 1e9);
  EXPECT_EQ(st.message(), "event type 4 is out of range (the model has 4 event types)");
  for (double bad : {std::nan(""), 1e50, -1.7e308, 8.7e12}) {
    st = s.observe(1, 0, bad);
    EXPECT_EQ(st.message(), "event time must be a number of seconds within +-8.64e12 (the range of a JavaScript Date)") << bad;
  }
  st = s.observe(40, 0, 1e9);
  EXPECT_EQ(st.message(), "item row 40 is out of range");
  EXPECT_EQ(s.counters().events, 0u);
  const std::vector<float> short_profile(3, 0.0f);
  EXPECT_EQ(s.set_profile(short_profile.data(), 3).message(), "profile has 3 values, this model expects 9 (dim 8 + 1)");
}

TEST(Session, ObserveDoesNotAllocate) {
  auto model = small_model(100, 64);
  Session s(model);
  ASSERT_TRUE(s.observe(1, 0, 1e9).ok());
  const long before = g_allocations.load();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(s.observe(i % 100, i % 4, 1e9 + i * 10.0).ok());
  EXPECT_EQ(g_allocations.load() - before, 0);
}

TEST(Session, StateRoundTripRestoresEverything) {
  auto model = small_model();
  Session a(model);
  feed(a, sample_events());
  set_history(a, sample_history());
  const std::vector<std::uint8_t> blob = a.save_state();

  Session b(model);
  ASSERT_TRUE(b.restore_state(blob.data(), blob.size()).ok());
  std::vector<std::int32_t> c = {3, 7, 12, 20, 0, -1};
  std::vector<float> sa(c.size()), sb(c.size());
  a.score(c.data(), c.size(), sa.data());
  b.score(c.data(), c.size(), sb.data());
  EXPECT_EQ(sa, sb);
  EXPECT_EQ(b.counters().events, a.counters().events);
  EXPECT_EQ(b.counters().unknown_items, 1u);
  EXPECT_EQ(b.recent_count(), a.recent_count());
  // The next event continues the same session in both.
  ASSERT_TRUE(a.observe(9, 0, 1.5e9 + 3600 + 9600).ok());
  ASSERT_TRUE(b.observe(9, 0, 1.5e9 + 3600 + 9600).ok());
  a.score(c.data(), c.size(), sa.data());
  b.score(c.data(), c.size(), sb.data());
  EXPECT_EQ(sa, sb);
}

TEST(Session, BadStateIsRejectedAndChangesNothing) {
  auto model = small_model();
  Session a(model);
  feed(a, sample_events());
  std::vector<std::uint8_t> blob = a.save_state();

  Session b(model);
  feed(b, {{1, 0, 1e9}});
  const auto before = b.save_state();

  std::vector<std::uint8_t> corrupt = blob;
  corrupt[40] ^= 0x55;
  EXPECT_EQ(b.restore_state(corrupt.data(), corrupt.size()).message(),
            "session state: checksum mismatch (corrupt or truncated)");
  EXPECT_EQ(b.restore_state(blob.data(), blob.size() - 9).message(),
            "session state: checksum mismatch (corrupt or truncated)");
  EXPECT_EQ(b.restore_state(blob.data(), 5).message(), "session state: truncated (5 bytes)");
  std::vector<std::uint8_t> magic = blob;
  magic[0] = 'X';
  EXPECT_EQ(b.restore_state(magic.data(), magic.size()).message(),
            "session state: bad magic bytes, not a tandem session state");

  // Another model's state whose events by name are out of shape (checksum made to match).
  auto other = small_model(40, 8, 8);  // same shape, other weights
  std::vector<std::uint8_t> names = blob;
  // The last event's type name is "click" (5 bytes after its 2-byte length): claim 200 bytes.
  names[names.size() - kEnvelopeChecksumSize - 7] = 200;
  const std::uint64_t sum = xxh64(names.data(), names.size() - kEnvelopeChecksumSize);
  std::memcpy(names.data() + names.size() - kEnvelopeChecksumSize, &sum, sizeof sum);
  Session c(other);
  const auto c_before = c.save_state();
  const std::string msg = c.restore_state(names.data(), names.size()).message();
  EXPECT_EQ(msg, "session state: saved for another model (fingerprint " + model->fingerprint_hex() + ", this model " +
                     other->fingerprint_hex() + "): the events' names are out of shape");
  EXPECT_EQ(c.save_state(), c_before);
  EXPECT_EQ(b.save_state(), before) << "a rejected state leaves the session as it was";
}

// A state saved for another model (a retrain since the page saved it) is replayed by name: the
// new model's session scores exactly as a fresh session of it that observed the window's events,
// keeping the profile it has; events of items or types it does not know are counted and skipped.
TEST(Session, AStateFromAnotherModelIsReplayedByName) {
  auto a = small_model(40, 8, 7);
  Session saved(a);
  feed(saved, sample_events());
  const std::vector<std::uint8_t> blob = saved.save_state();
  ASSERT_EQ(saved.recent_count(), 6u);  // the window (6) of the 9 known events

  // Model b: other weights, item SKU-1007 delisted (renamed), event type "click" unknown.
  ModelConfig config = tandem::testing::small_config();
  config.event_types = {"view", "wishlist", "cart", "purchase"};
  std::vector<std::string> ids = tandem::testing::item_ids(40);
  ids[7] = "SKU-gone";
  auto b = tandem::testing::make_model(random_weights(config, ids, {"shoes", "bags", "hats"}, 8));
  std::vector<Event> history = {{2, 0, 1.4e9}, {5, 3, 1.4e9 + 50}};
  const Profile profile = encode_history(*b, history.data(), history.size());

  Session restored(b);
  restored.set_profile(profile);
  Session::Replayed replayed;
  const Status s = restored.restore_state(blob.data(), blob.size(), &replayed);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(replayed.from_other_model);
  // The window, oldest first: 12 (purchase), 7 (cart), 20, 21, 3 (views), 5 (click). b does not
  // know clicks, and item 7 (SKU-1007) is not in b: observed as an unknown item, as a page would.
  EXPECT_EQ(replayed.unknown_types, 1u);
  EXPECT_EQ(replayed.unknown_items, 1u);
  EXPECT_EQ(replayed.events, 5u);

  Session fresh(b);
  fresh.set_profile(profile);
  const double t0 = 1.5e9 + 3600;
  feed(fresh, {{12, 3, t0 + 200}, {-1, 2, t0 + 1000}, {20, 0, t0 + 9000}, {21, 0, t0 + 9004}, {3, 0, t0 + 9010}});
  EXPECT_EQ(restored.save_state(), fresh.save_state());
  std::vector<std::int32_t> rows(40);
  for (int i = 0; i < 40; ++i) rows[static_cast<std::size_t>(i)] = i;
  std::vector<float> want(40), got(40);
  fresh.score(rows.data(), rows.size(), want.data());
  restored.score(rows.data(), rows.size(), got.data());
  EXPECT_EQ(got, want);

  // The same model restores the numbers themselves, as before.
  Session same(a);
  ASSERT_TRUE(same.restore_state(blob.data(), blob.size(), &replayed).ok());
  EXPECT_FALSE(replayed.from_other_model);
  EXPECT_EQ(same.save_state(), blob);

  // A version 1 state (no names: the same without its last section) restores under its own model
  // and, naming nothing to replay, is refused by another.
  std::size_t names = 0;
  for (std::size_t i = 0; i < saved.recent_count(); ++i)
    names += 4 + a->weights().item_ids[static_cast<std::size_t>(saved.recent(i).item)].size() +
             a->config().event_types[static_cast<std::size_t>(saved.recent(i).type)].size();
  std::vector<std::uint8_t> v1(blob.begin(), blob.end() - static_cast<std::ptrdiff_t>(names + kEnvelopeChecksumSize));
  v1[4] = 1;
  const std::uint64_t sum = xxh64(v1.data(), v1.size());
  v1.resize(v1.size() + sizeof sum);
  std::memcpy(v1.data() + v1.size() - sizeof sum, &sum, sizeof sum);
  Session old(a);
  ASSERT_TRUE(old.restore_state(v1.data(), v1.size(), &replayed).ok());
  EXPECT_FALSE(replayed.from_other_model);
  EXPECT_EQ(old.save_state(), blob);
  Session refused(b);
  EXPECT_EQ(refused.restore_state(v1.data(), v1.size()).message(),
            "session state: saved for another model (fingerprint " + a->fingerprint_hex() + ", this model " + b->fingerprint_hex() + ")");
}

TEST(Session, FoldingRecentEventsEqualsEncodingTheWholeHistory) {
  auto model = small_model();
  Session s(model);
  set_history(s, sample_history());
  const std::vector<RefEvent> events = {{1, 0, 1.5e9 + 10}, {2, 1, 1.5e9 + 20}, {1, 3, 1.5e9 + 30}};
  feed(s, events);
  s.fold_recent_events();
  std::vector<RefEvent> all = sample_history();
  all.insert(all.end(), events.begin(), events.end());
  const RefProfile ref = ref_profile(model->weights(), all);
  for (int k = 0; k < 8; ++k) EXPECT_TRUE(close(s.profile().pooled[k], ref.pooled[static_cast<std::size_t>(k)]));
  EXPECT_TRUE(close(s.profile().log_mass, ref.log_mass));
  // Folding again adds nothing new.
  const Profile once = s.profile();
  s.fold_recent_events();
  EXPECT_EQ(s.profile().pooled, once.pooled);
}

TEST(Session, ResetForgetsShortTermButKeepsProfile) {
  auto model = small_model();
  Session a(model), fresh(model);
  set_history(a, sample_history());
  set_history(fresh, sample_history());
  feed(a, sample_events());
  a.reset();
  EXPECT_EQ(a.counters().events, 0u);
  EXPECT_EQ(a.recent_count(), 0u);
  for (int k = 0; k < 8; ++k) EXPECT_EQ(a.interest()[k], fresh.interest()[k]);
}

}  // namespace
}  // namespace tandem::testing
