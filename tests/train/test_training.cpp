// The trainer's passes: gradient checks in double precision against central differences for every
// parameter (LSTM through time with a session reset, pooling, MLP, gate, scores, repeat terms,
// full and sampled softmax, dropout), the forward pass against core::Session, and a tiny training
// run that must learn and be reproducible byte for byte.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <map>
#include <utility>

#include "core/hash.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/random.h"
#include "core/session.h"
#include "train/loss.h"
#include "train/params.h"
#include "train/sequence.h"
#include "train/split.h"
#include "train/run.h"
#include "train/export.h"
#include "train/trainer.h"
#include "training_fixtures.h"

namespace tandem::train {
namespace {

ModelConfig tiny_model_config() {
  ModelConfig mc;
  mc.dim = 3;
  mc.event_types = {"view", "cart"};
  mc.gap_buckets = 4;
  mc.window = 4;
  mc.repeat_buckets = 3;
  mc.session_timeout_s = 100;
  mc.time_origin_s = 1000;
  return mc;
}

// The tiny catalog of 7 items: categories as paths (a/b adds a's rows too), brands, prices and
// some discounts; items 2 and 6 have neither category nor brand.
ItemCatalog tiny_catalog() {
  ItemCatalog c;
  c.add_items(7);
  const char* categories[] = {"a", "a/b", "", "c", "a/b", "c", ""};
  const char* brands[] = {"p", "q", "", "p", "", "q", ""};
  for (std::size_t i = 0; i < 7; ++i) {
    CatalogItem row;
    row.category = categories[i];
    row.brand = brands[i];
    row.price = 3.0 * static_cast<double>(i);
    if (i % 2) row.discount = 0.1 * static_cast<double>(i);
    c.set(i, row, true);
  }
  return c;
}
const ItemCatalog kCatalog = tiny_catalog();
// Where each item's id part comes from: item 2 is cold (the cold vector), item 6 rare (the rare
// vector), the others their own id embedding.
const std::vector<IdPart> kCold = {IdPart::own, IdPart::own, IdPart::cold, IdPart::own, IdPart::own, IdPart::own, IdPart::rare};

// The trainer's shapes of that configuration and catalog.
Dims tiny_dims() {
  const ModelConfig mc = tiny_model_config();
  TensorDims d;
  d.d = mc.dim;
  d.items = 7;
  d.types = static_cast<int>(mc.event_types.size());
  d.gaps = mc.gap_buckets;
  d.repeats = mc.repeat_buckets;
  return make_dims(d, kCatalog);
}

SequenceConfig tiny_config(Fusion fusion) {
  SequenceConfig c = SequenceConfig::from(tiny_model_config());
  c.fusion = fusion;
  return c;
}

// Two shoppers; the first has a gap past the timeout and repeats.
std::vector<std::vector<Event>> tiny_users() {
  return {{{0, 0, 0}, {3, 1, 10}, {0, 0, 30}, {5, 0, 300}, {3, 1, 305}, {6, 0, 340}, {0, 1, 350}},
          {{2, 0, 500}, {4, 0, 520}, {2, 1, 600}, {1, 0, 640}}};
}

Params<double> random_double_params(std::uint64_t seed) {
  Params<double> p = init_params(tiny_dims(), seed).cast<double>();
  Rng rng(seed + 1);
  // Non-zero everywhere, so that no gradient is trivially zero.
  for (Mat<double>* t : p.tensors())
    for (Eigen::Index i = 0; i < t->size(); ++i) t->data()[i] = rng.uniform(-0.8f, 0.8f);
  p.lt_decay(0, 0) = 0.3;
  return p;
}

// The inference model of some parameters, with the tiny configuration and items i0..i6.
std::shared_ptr<const Model> tiny_model(const Params<float>& p, const ModelConfig& mc) {
  std::vector<std::string> ids;
  for (int i = 0; i < 7; ++i) ids.push_back("i" + std::to_string(i));
    std::shared_ptr<const Model> model;
  if (const Status s = Model::create(export_weights(p, mc, ids, kCatalog, kCold), &model); !s.ok()) ADD_FAILURE() << s.message();
  return model;
}

struct Pass {
  double loss;
  Params<double> grads;
};

// The training-only regularisers of a pass.
struct Dropouts {
  float dropout = 0, history = 0, branch = 0;
};

std::ostream& operator<<(std::ostream& os, const Dropouts& d) {
  return os << "dropout " << d.dropout << ", history dropout " << d.history << ", branch dropout " << d.branch;
}

Pass run(const Params<double>& p, Fusion fusion, const Dropouts& drop, const NegativeSample* sample) {
  SequenceConfig cfg = tiny_config(fusion);
  cfg.dropout = drop.dropout;
  cfg.history_dropout = drop.history;
  cfg.branch_dropout = drop.branch;
  const auto users = tiny_users();
  const ItemTable<double> table = compose_items(p, kCatalog, kCold);
  const Mat<double>& items = table.vec;
  std::vector<SequenceTape<double>> tapes(users.size());
  std::vector<Example> examples;
  Mat<double> u(0, 3);
  std::vector<Target> targets;
  for (std::size_t b = 0; b < users.size(); ++b) {
    Example ex;
    ex.user_events = users[b].data();
    ex.window_begin = 0;
    ex.window_end = users[b].size();
    examples.push_back(ex);
    sequence_forward(p, items, cfg, ex, 99 + b, &tapes[b]);
  }
  for (std::size_t b = 0; b < users.size(); ++b) {
    Mat<double> grown(u.rows() + tapes[b].u.rows(), 3);
    grown << u, tapes[b].u;
    u = grown;
    for (std::size_t k = 0; k < tapes[b].steps; ++k) targets.push_back({examples[b].target_item(k), &tapes[b].repeats[k]});
  }
  Pass pass;
  pass.grads = p.zeros_like();
  Mat<double> du;
  ItemTable<double> item_grads{Mat<double>::Zero(7, 3), Mat<double>::Zero(7, 1)};
  pass.loss = softmax_loss(p, table, u, targets, sample, &du, &item_grads, &pass.grads);
  Eigen::Index row = 0;
  for (std::size_t b = 0; b < users.size(); ++b) {
    const auto steps = static_cast<Eigen::Index>(tapes[b].steps);
    sequence_backward(p, cfg, examples[b], tapes[b], Mat<double>(du.middleRows(row, steps)), &pass.grads, &item_grads.vec);
    row += steps;
  }
  distribute_item_grads(item_grads, kCatalog, kCold, &pass.grads);
  return pass;
}

void gradient_check(Fusion fusion, const Dropouts& drop, const NegativeSample* sample = nullptr) {
  Params<double> p = random_double_params(5);
  const Pass analytic = run(p, fusion, drop, sample);
  const double eps = 1e-6;
  auto names = std::vector<std::string>();
  p.for_each([&names](const std::string& name, Mat<double>&) { names.emplace_back(name); });
  auto tensors = p.tensors();
  auto grads = analytic.grads.tensors();
  for (std::size_t t = 0; t < tensors.size(); ++t) {
    if (fusion != Fusion::gate && (names[t] == "gate_w" || names[t] == "gate_b")) continue;
    for (Eigen::Index i = 0; i < tensors[t]->size(); ++i) {
      double& x = tensors[t]->data()[i];
      const double saved = x;
      x = saved + eps;
      const double up = run(p, fusion, drop, sample).loss;
      x = saved - eps;
      const double down = run(p, fusion, drop, sample).loss;
      x = saved;
      const double numeric = (up - down) / (2 * eps);
      const double got = grads[t]->data()[i];
      EXPECT_NEAR(got, numeric, 1e-6 * std::max(1.0, std::fabs(numeric)))
          << names[t] << "[" << i << "] (" << fusion_name(fusion) << ", " << drop << ")";
    }
  }
}

TEST(Gradients, GatedModelFullSoftmax) { gradient_check(Fusion::gate, {}); }
TEST(Gradients, GatedModelWithDropout) { gradient_check(Fusion::gate, {0.3f}); }
TEST(Gradients, GatedModelWithHistoryDropout) {
  // Seeds 99 and 100 (run's dropout seeds) leave events of both shoppers out of the pooling,
  // the first shopper's first event among them (an empty pooling at step 0): see the next test.
  gradient_check(Fusion::gate, {0.0f, 0.5f});
  gradient_check(Fusion::long_term, {0.3f, 0.5f});
}
TEST(Gradients, GatedModelWithBranchDropout) {
  // At 0.6 the seeds 99 and 100 give steps of all three kinds: see
  // Sequence.BranchDropoutFusesSomeStepsFromOneBranch.
  gradient_check(Fusion::gate, {0.0f, 0.0f, 0.6f});
  gradient_check(Fusion::gate, {0.3f, 0.5f, 0.6f});
}
TEST(Gradients, LongOnlyAndShortOnly) {
  gradient_check(Fusion::long_term, {});
  gradient_check(Fusion::short_term, {});
}
TEST(Gradients, SampledSoftmaxWithLogQ) {
  const NegativeSampler sampler({1, 2, 1, 3, 1, 2, 1}, 5);
  const NegativeSample sample = sampler.draw(17);
  gradient_check(Fusion::gate, {}, &sample);
}

// The full softmax over many targets (several blocks, spread over threads) against a plain
// reference written here: loss, dL/du, item and bias gradients, with one thread and with two.
TEST(Loss, FullSoftmaxOverManyBlocksMatchesAReferenceOnOneAndTwoThreads) {
  const Params<double> p = random_double_params(11);
  const ItemTable<double> table = compose_items(p, kCatalog, kCold);
  const Mat<double>& items = table.vec;
  const Eigen::Index m = 300, n = items.rows();
  Rng rng(4);
  Mat<double> u(m, 3);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = rng.uniform(-1.0f, 1.0f);
  const std::vector<RepeatHit> none, window = {{2, 0, 1}, {5, 1, 0}};
  std::vector<Target> targets;
  for (Eigen::Index r = 0; r < m; ++r)
    targets.push_back({static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(n))), r % 3 == 0 ? &window : &none});

  double want_loss = 0;
  Mat<double> want_du = Mat<double>::Zero(m, 3), want_items = Mat<double>::Zero(n, 3);
  Vec<double> want_bias = Vec<double>::Zero(n);
  for (Eigen::Index r = 0; r < m; ++r) {
    Vec<double> z = items * u.row(r).transpose() + table.bias.col(0);
    for (const RepeatHit& h : *targets[static_cast<std::size_t>(r)].repeats) z[h.item] += repeat_bonus(p, h);
    const double lse = std::log((z.array() - z.maxCoeff()).exp().sum()) + z.maxCoeff();
    const std::int32_t t = targets[static_cast<std::size_t>(r)].item;
    want_loss += lse - z[t];
    Vec<double> g = (z.array() - lse).exp();
    g[t] -= 1;
    want_du.row(r) = (items.transpose() * g).transpose();
    want_items += g * u.row(r);
    want_bias += g;
  }
  const int saved = omp_get_max_threads();
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    Params<double> grads = p.zeros_like();
    Mat<double> du;
    ItemTable<double> item_grads{Mat<double>::Zero(n, 3), Mat<double>::Zero(n, 1)};
    const double loss = softmax_loss(p, table, u, targets, nullptr, &du, &item_grads, &grads);
    EXPECT_NEAR(loss, want_loss, 1e-9 * want_loss) << threads << " threads";
    EXPECT_LT((du - want_du).cwiseAbs().maxCoeff(), 1e-12) << threads << " threads";
    EXPECT_LT((item_grads.vec - want_items).cwiseAbs().maxCoeff(), 1e-11) << threads << " threads";
    EXPECT_LT((item_grads.bias.col(0) - want_bias).cwiseAbs().maxCoeff(), 1e-11) << threads << " threads";
    EXPECT_NE(grads.repeat_recency.cwiseAbs().sum(), 0.0);
  }
  omp_set_num_threads(saved);
}

// Sampled softmax against a reference written here: the candidates are the target and the drawn
// negatives, a drawn copy of the target is masked, a drawn item of the target's window gets its
// repeat bonuses, every candidate is corrected by logQ.
TEST(Loss, SampledSoftmaxMatchesAReference) {
  const Params<double> p = random_double_params(12);
  const ItemTable<double> table = compose_items(p, kCatalog, kCold);
  const Mat<double>& items = table.vec;
  const NegativeSampler sampler({1, 2, 1, 3, 1, 2, 1}, 6);
  NegativeSample sample = sampler.draw(3);
  sample.items = {4, 1, 4, 5, 0, 1};  // the target 1 twice, the window item 5 once
  // Target 1 (also in its window, twice), window items 5 (twice: the bonuses add up) and 2 (not drawn).
  const std::vector<RepeatHit> window = {{1, 0, 1}, {5, 1, 0}, {2, 2, 1}, {5, 2, 1}, {1, 2, 0}};
  Mat<double> u(1, 3);
  u << 0.4, -0.7, 0.2;
  const std::vector<Target> targets = {{1, &window}};

  const auto logit = [&](std::int32_t j) {
    double z = u.row(0).dot(items.row(j)) + table.bias(j, 0) - sampler.log_expected(j);
    for (const RepeatHit& h : window)
      if (h.item == j) z += repeat_bonus(p, h);
    return z;
  };
  // Candidates: the target 1, then the drawn 4, 4, 5, 0; not 2, which was not drawn.
  const std::vector<std::int32_t> cand = {1, 4, 4, 5, 0};
  double lse = 0;
  for (std::int32_t j : cand) lse += std::exp(logit(j));
  lse = std::log(lse);
  const double want_loss = lse - logit(1);
  Vec<double> want_du = Vec<double>::Zero(3), want_bias = Vec<double>::Zero(7), want_recency = Vec<double>::Zero(3);
  for (std::size_t c = 0; c < cand.size(); ++c) {
    const std::int32_t j = cand[c];
    const double g = std::exp(logit(j) - lse) - (c == 0 ? 1 : 0);
    want_du += g * items.row(j).transpose();
    want_bias[j] += g;
    for (const RepeatHit& h : window)
      if (h.item == j) want_recency[h.recency_bucket] += g;
  }

  Params<double> grads = p.zeros_like();
  Mat<double> du;
  ItemTable<double> item_grads{Mat<double>::Zero(7, 3), Mat<double>::Zero(7, 1)};
  const double loss = softmax_loss(p, table, u, targets, &sample, &du, &item_grads, &grads);
  EXPECT_NEAR(loss, want_loss, 1e-12);
  EXPECT_LT((du.row(0).transpose() - want_du).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((item_grads.bias.col(0) - want_bias).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((grads.repeat_recency.col(0) - want_recency).cwiseAbs().maxCoeff(), 1e-12);
  for (std::int32_t j : {2, 3, 6}) EXPECT_EQ(item_grads.bias(j, 0), 0.0) << j;  // not candidates
}

TEST(Sequence, ForwardEqualsCoreSessionScores) {
  const Params<float> p = random_double_params(9).cast<float>();
  const ModelConfig mc = tiny_model_config();
  const auto model = tiny_model(p, mc);
  ASSERT_TRUE(model);

  const auto users = tiny_users();
  const auto& ev = users[0];
  const ItemTable<float> table = compose_items(p, kCatalog, kCold);
  const Mat<float>& items = table.vec;
  SequenceTape<float> tape;
  Example ex{ev.data(), 0, ev.size()};
  sequence_forward(p, items, SequenceConfig::from(mc), ex, 0, &tape);
  std::vector<std::int32_t> rows = {0, 1, 2, 3, 4, 5, 6};
  int ended = 0;
  for (std::size_t k = 0; k < tape.steps; ++k) {
    Session s(model);
    s.set_profile(encode_history(*model, ev.data(), k + 1));
    for (std::size_t i = 0; i <= k; ++i) ASSERT_TRUE(s.observe(ev[i].item, ev[i].type, ev[i].time).ok());
    std::vector<float> scores(7), in_visit(7);
    s.score(rows.data(), 7, in_visit.data());
    // Asked for at the time of the next event: after the session timeout, a new visit's scores.
    ASSERT_TRUE(s.resume_at(ev[k + 1].time).ok());
    s.score(rows.data(), 7, scores.data());
    EXPECT_EQ(tape.visit_ended[k] != 0, ev[k + 1].time - ev[k].time > mc.session_timeout_s);
    if (tape.visit_ended[k]) {
      ++ended;
      EXPECT_NE(scores, in_visit) << "step " << k << ": the ended visit's state no longer counts";
    } else {
      EXPECT_EQ(scores, in_visit) << "step " << k;
    }
    for (Eigen::Index j = 0; j < 7; ++j) {
      double want = tape.u.row(static_cast<Eigen::Index>(k)).dot(items.row(j)) + table.bias(j, 0);
      for (const RepeatHit& h : tape.repeats[k])
        if (h.item == j) want += repeat_bonus(p, h);
      EXPECT_NEAR(scores[static_cast<std::size_t>(j)], want, 1e-5 * std::max(1.0, std::fabs(want))) << "step " << k << " item " << j;
    }
  }
  EXPECT_EQ(ended, 1) << "the tiny log has one target after the session timeout (30 s -> 300 s)";
}

TEST(Sequence, HistoryDropoutPoolsOnlyTheKeptEvents) {
  const Params<float> p = random_double_params(9).cast<float>();
  const ModelConfig mc = tiny_model_config();
  const auto model = tiny_model(p, mc);
  ASSERT_TRUE(model);
  const ItemTable<float> table = compose_items(p, kCatalog, kCold);
  const Mat<float>& items = table.vec;
  SequenceConfig cfg = SequenceConfig::from(mc);
  cfg.history_dropout = 0.5f;
  const auto users = tiny_users();
  std::size_t dropped = 0;
  bool empty_step = false;
  for (std::size_t b = 0; b < users.size(); ++b) {
    const auto& ev = users[b];
    SequenceTape<float> tape;
    sequence_forward(p, items, cfg, Example{ev.data(), 0, ev.size()}, 99 + b, &tape);
    std::vector<Event> kept;
    for (std::size_t k = 0; k < tape.steps; ++k) {
      if (tape.pooled_in[k]) kept.push_back(ev[k]);
      else ++dropped;
      // The pooled vector of step k is core's encoder over the kept events up to k.
      const Profile want = encode_history(*model, kept.data(), kept.size());
      if (kept.empty()) empty_step = true;
      for (Eigen::Index j = 0; j < 3; ++j) {
        const float w = kept.empty() ? 0.0f : want.pooled[j];
        EXPECT_NEAR(tape.pooled(static_cast<Eigen::Index>(k), j), w, 1e-5) << "shopper " << b << " step " << k;
      }
    }
  }
  EXPECT_GE(dropped, 2u) << "the seeds must leave events out for this test (and the gradient check) to mean anything";
  EXPECT_TRUE(empty_step);
}

// Branch dropout fuses some steps from one branch alone: u is then exactly the (dropped-out)
// short-term state or long-term vector, and the other steps are the usual gated mix.
TEST(Sequence, BranchDropoutFusesSomeStepsFromOneBranch) {
  const Params<double> p = random_double_params(9);
  SequenceConfig cfg = tiny_config(Fusion::gate);
  cfg.branch_dropout = 0.6f;
  const ItemTable<double> table = compose_items(p, kCatalog, kCold);
  const Mat<double>& items = table.vec;
  const auto users = tiny_users();
  int short_steps = 0, long_steps = 0, mixed_steps = 0;
  for (std::size_t b = 0; b < users.size(); ++b) {
    SequenceTape<double> tape;
    sequence_forward(p, items, cfg, Example{users[b].data(), 0, users[b].size()}, 99 + b, &tape);
    for (Eigen::Index k = 0; k < static_cast<Eigen::Index>(tape.steps); ++k) {
      if (tape.u.row(k) == tape.h.row(k)) {
        ++short_steps;
        EXPECT_TRUE(tape.gate.row(k).isZero());
      } else if (tape.u.row(k) == tape.p.row(k)) {
        ++long_steps;
        EXPECT_TRUE(tape.gate.row(k).isOnes());
      } else {
        ++mixed_steps;
        const Eigen::RowVectorXd want =
            tape.gate.row(k).cwiseProduct(tape.p.row(k)) + (1 - tape.gate.row(k).array()).matrix().cwiseProduct(tape.h.row(k));
        EXPECT_LT((tape.u.row(k) - want).norm(), 1e-12);
        EXPECT_GT(tape.gate.row(k).minCoeff(), 0);
        EXPECT_LT(tape.gate.row(k).maxCoeff(), 1);
      }
    }
  }
  // The seeds the gradient check uses give all three kinds.
  EXPECT_GT(short_steps, 0);
  EXPECT_GT(long_steps, 0);
  EXPECT_GT(mixed_steps, 0);
}

// Paired NDCG@10 differences, checked against values computed by hand (Python's statistics
// module): per case 1/log2(rank + 2) inside the top 10, the sample standard deviation over sqrt(n).
TEST(Evaluation, PairedNdcgDifferenceAndStandardError) {
  Metrics a, b;
  a.ranks = {0, 1, 20, 3};
  b.ranks = {1, 0, 0, 30};
  EXPECT_DOUBLE_EQ(case_ndcg(0, 10), 1.0);
  EXPECT_DOUBLE_EQ(case_ndcg(10, 10), 0.0);
  const NdcgDifference d = ndcg_difference(a, b, 10);
  EXPECT_NEAR(d.difference, -0.14233086048165172, 1e-12);
  EXPECT_NEAR(d.standard_error, 0.3387324037114702, 1e-12);
  EXPECT_NEAR(d.relative, -0.21639629152156445, 1e-12);
  const NdcgDifference own = ndcg_difference(a, Metrics{}, 10);
  EXPECT_NEAR(own.difference, 0.5154015779112127, 1e-12);
  EXPECT_NEAR(own.standard_error, 0.20836656512866406, 1e-12);
  EXPECT_EQ(ndcg_difference(a, a, 10).standard_error, 0.0);
}

// Each kind of held-out item, on a log built for it, whether a case is asked for on a return, and
// NDCG@10 per group from the cases' ranks.
TEST(Evaluation, CaseKindsAndNdcgPerGroup) {
  Dataset d;
  for (int i = 0; i < 8; ++i) d.item_ids.push_back("i" + std::to_string(i));
  d.catalog.add_items(8);
  d.event_types = {"view"};
  d.user_offsets = {0};
  // Held out (the last event of each): 1 three events back (window 3: in it), 0 four events back
  // (earlier), 5 (new to this shopper, seen by user 3), 7 twice (held out by users 3 and 4, so
  // seen before the held-out part by nobody). Events are 100 s apart; user 4 holds out an event
  // 2,000 s after the one before.
  for (const std::vector<int>& items : std::vector<std::vector<int>>{
           {0, 1, 2, 3, 1}, {0, 1, 2, 3, 0}, {0, 1, 2, 3, 5}, {5, 6, 4, 7}, {0, 6, 7}}) {
    d.user_ids.push_back("u" + std::to_string(d.user_ids.size()));
    for (std::size_t k = 0; k < items.size(); ++k) d.events.push_back(Event{items[k], 0, 100.0 * static_cast<double>(k)});
    d.user_offsets.push_back(d.events.size());
  }
  d.events.back().time = 2100;
  std::vector<Case> cases, held_out;
  for (std::uint32_t u = 0; u < 5; ++u) cases.push_back({u, d.user_end(u) - 1});
  // Before the held-out part: everything but each shopper's last event, and user 3's 7 too.
  held_out = cases;
  held_out[3].target = d.user_end(3) - 2;
  const std::vector<double> counts = item_counts(d, held_out);
  ASSERT_EQ(counts[7], 0.0);
  ASSERT_GT(counts[5], 0.0);
  const CaseKinds kinds = case_kinds(d, cases, counts, 3, 1800);
  const std::vector<TargetKind> want = {TargetKind::recent_window, TargetKind::earlier_history, TargetKind::known_item,
                                        TargetKind::new_item, TargetKind::new_item};
  EXPECT_EQ(kinds.held_out, want);
  EXPECT_EQ(kinds.on_return, (std::vector<bool>{false, false, false, false, true}));
  // User 0's 1 is three events back: in a window of 3, earlier than a window of 2.
  EXPECT_EQ(case_kinds(d, {cases[0]}, counts, 2, 1800).held_out[0], TargetKind::earlier_history);
  // A return is a gap longer than the timeout: 100 s is one for a timeout of 99 s, not of 100 s.
  EXPECT_EQ(case_kinds(d, {cases[0]}, counts, 3, 99).on_return[0], true);
  EXPECT_EQ(case_kinds(d, {cases[0]}, counts, 3, 100).on_return[0], false);

  Metrics m;
  m.ranks = {0, 3, 12, 1, 9};
  const GroupNdcg in_window = group_ndcg(m, {true, false, false, false, false}, 10);
  EXPECT_EQ(in_window.cases, 1u);
  EXPECT_DOUBLE_EQ(in_window.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(group_ndcg(m, {false, false, true, false, false}, 10).ndcg, 0.0);  // rank 12
  const GroupNdcg fresh = group_ndcg(m, {false, false, false, true, true}, 10);
  EXPECT_EQ(fresh.cases, 2u);
  EXPECT_NEAR(fresh.ndcg, (1 / std::log2(3.0) + 1 / std::log2(11.0)) / 2, 1e-12);
  EXPECT_EQ(group_ndcg(m, {false, false, false, false, false}, 10).cases, 0u);
}

// The model of a trainer's parameters (the best by default), which must be usable.
std::shared_ptr<const Model> usable_model(const Trainer& trainer, const Params<float>* params = nullptr) {
  std::shared_ptr<const Model> model;
  const Status s = trainer.model(&model, params);
  EXPECT_TRUE(s.ok()) << s.message();
  return model;
}

// Items without an id embedding of their own: one a catalog lists without events is cold, and the
// exported model composes it as Model::update_items composes an item added later with the same
// features, to the last bit. Those training holds fewer than min_id_count times share the rare
// vector: two of the same features are the same row, and not the row of a new item.
TEST(Trainer, ItemsWithoutAnIdEmbeddingExportAsItemsAddedLaterWouldBe) {
  Dataset data = cycle_dataset();
  CatalogItem listed;
  listed.id = "catalog-only";
  listed.category = "y";
  apply_catalog({listed}, &data);
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 2;
  o.id_dropout = 0.3f;
  // What training holds of each item: every event up to a shopper's last training target.
  std::vector<std::size_t> held(data.item_ids.size(), 0), last(data.user_count(), 0);
  for (const Case& c : split.train) last[c.user] = std::max(last[c.user], c.target);
  for (std::size_t u = 0; u < data.user_count(); ++u)
    for (std::size_t i = data.user_begin(u); i <= last[u] && last[u] > 0; ++i) ++held[static_cast<std::size_t>(data.events[i].item)];
  std::vector<std::size_t> sorted(held.begin(), held.begin() + 30);
  std::sort(sorted.begin(), sorted.end());
  o.min_id_count = static_cast<int>(sorted[10]);  // about a third of the items have no id embedding
  Trainer trainer(data, split, o);
  ASSERT_TRUE(trainer.run(nullptr, nullptr).ok());
  std::shared_ptr<const Model> trained;
  ASSERT_TRUE(trainer.model(&trained).ok());
  std::shared_ptr<Model> model;
  ASSERT_TRUE(Model::create(ModelWeights(trained->weights()), &model).ok());
  const int d = model->dim();
  std::vector<float> want(static_cast<std::size_t>(d)), got(static_cast<std::size_t>(d));
  CatalogItem later;
  later.id = "added-later";
  later.category = "y";
  ASSERT_TRUE(model->update_items({later}).ok());
  const std::int32_t added = model->find_item("added-later"), cold = model->find_item("catalog-only");
  model->item_vector(added, want.data());
  model->item_vector(cold, got.data());
  EXPECT_EQ(got, want);
  EXPECT_EQ(model->weights().item_bias[cold], model->weights().item_bias[added]);
  // The cold vector was learned (id dropout makes targets cold), and warm items differ from it.
  EXPECT_GT(model->weights().cold_emb.norm(), 0.0f);
  // The rare items of each category: one row, which is not the new item's.
  std::map<char, std::vector<float>> rare_row;
  std::size_t warm = 0, rare = 0;
  for (std::int32_t row = 0; row < 30; ++row) {
    model->item_vector(row, got.data());
    const char category = static_cast<char>('x' + row % 3);
    CatalogItem same;
    same.id = "as-" + std::to_string(row);
    same.category = std::string(1, category);
    ASSERT_TRUE(model->update_items({same}).ok());
    model->item_vector(model->find_item(same.id), want.data());
    EXPECT_NE(got, want) << "row " << row << ", held " << held[static_cast<std::size_t>(row)] << " times";
    if (held[static_cast<std::size_t>(row)] < static_cast<std::size_t>(o.min_id_count)) {
      ++rare;
      const auto [it, first] = rare_row.emplace(category, got);
      if (!first) EXPECT_EQ(got, it->second) << "row " << row;
    } else {
      ++warm;
    }
  }
  EXPECT_GT(warm, 0u);
  EXPECT_GT(rare, 0u) << "the test needs items held fewer than min_id_count times";
}

// A warm start (--init-from) begins where the model ended: with the same data, the exported
// weights of the warm-started parameters are the model's own (every item's vector and bias, every
// roster tensor); an item new to the model starts as the model scores a new item of its features,
// and an item the data no longer has is dropped.
TEST(Trainer, AWarmStartBeginsWhereTheModelEnded) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 3;
  Trainer first(data, split, o);
  ASSERT_TRUE(first.run(nullptr, nullptr).ok());
  const auto trained = usable_model(first);

  Dataset next = data;  // item-29 is gone from the shop, "new-item" arrives in category y
  for (Event& e : next.events)
    if (e.item == 29) e.item = 28;
  next.item_ids[29] = "new-item";
  CatalogItem row;
  row.category = "y";
  next.catalog.set(29, row, true);
  Trainer warm(next, leave_one_out(next), o);
  WarmStart report;
  ASSERT_TRUE(warm.init_from(*trained, &report).ok());
  EXPECT_EQ(report.items_kept, 29u);
  EXPECT_EQ(report.items_new, 1u);
  EXPECT_EQ(report.items_dropped, 1u);
  EXPECT_EQ(report.types_kept, 2u);
  EXPECT_EQ(report.feature_values_kept, 3u);
  const auto started = usable_model(warm, &warm.params());
  std::vector<float> a(static_cast<std::size_t>(trained->dim())), b(a.size());
  for (std::int32_t j = 0; j < 29; ++j) {
    trained->item_vector(j, a.data());
    started->item_vector(j, b.data());
    for (std::size_t c = 0; c < a.size(); ++c) EXPECT_NEAR(a[c], b[c], 1e-5f) << "item " << j;
    EXPECT_NEAR(trained->weights().item_bias[j], started->weights().item_bias[j], 1e-5f);
  }
  EXPECT_EQ(started->weights().lstm_w, trained->weights().lstm_w);
  EXPECT_EQ(started->weights().gate_w, trained->weights().gate_w);
  // The new item: what Model::update_items makes of it in the old model.
  std::shared_ptr<Model> updated;
  ASSERT_TRUE(Model::create(ModelWeights(trained->weights()), &updated).ok());
  CatalogItem added;
  added.id = "new-item";
  added.category = "y";
  ASSERT_TRUE(updated->update_items({added}).ok());
  updated->item_vector(updated->find_item("new-item"), a.data());
  started->item_vector(started->find_item("new-item"), b.data());
  for (std::size_t c = 0; c < a.size(); ++c) EXPECT_NEAR(a[c], b[c], 1e-5f);

  // It scores the validation cases as the model did from the first step on: one epoch of the
  // warm start is at least as good as the cold start's three.
  TrainOptions one = o;
  one.epochs = 1;
  Trainer again(data, split, one);
  ASSERT_TRUE(again.init_from(*trained, &report).ok());
  ASSERT_TRUE(again.run(nullptr, nullptr).ok());
  EXPECT_GE(again.history().front().validation.ndcg.at(10), first.history().back().validation.ndcg.at(10) - 0.02);

  TrainOptions wider = o;
  wider.dim = o.dim * 2;
  Trainer other(data, split, wider);
  const Status s = other.init_from(*trained, &report);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "the model has dimension " + std::to_string(o.dim) + " and this run " + std::to_string(wider.dim));
}

TEST(Trainer, LearnsAPredictableSequenceAndBeatsPopularity) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  Trainer trainer(data, split, tiny_options());
  ASSERT_TRUE(trainer.run(nullptr, nullptr).ok());
  EvalOptions eval;
  eval.ks = {10};
  const Metrics model = evaluate_model(usable_model(trainer), data, split.test, eval);
  const Metrics pop = evaluate_popularity(data, split.test, item_counts(data, split.validation), eval);
  EXPECT_GT(model.hr.at(10), 0.9) << "the next item of a cycle is learnable";
  ASSERT_EQ(model.ranks.size(), split.test.size());
  double ndcg = 0;
  for (std::size_t r : model.ranks) ndcg += case_ndcg(r, 10);
  EXPECT_NEAR(ndcg / static_cast<double>(model.ranks.size()), model.ndcg.at(10), 1e-12) << "ranks are the cases' ranks";
  EXPECT_GT(model.ndcg.at(10), pop.ndcg.at(10) + 0.3);
  EXPECT_LT(trainer.history().back().loss, trainer.history().front().loss);
}

TEST(Trainer, LearnsWithSampledSoftmaxToo) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.sampled_softmax_above = 10;  // the 30-item catalog counts as large
  o.negatives = 12;
  // 12 negatives learn the cycle more slowly than the full softmax: after 6 epochs HR@10 was
  // 0.75-1.0 over seeds 1-8, after 10 at least 0.99 for each.
  o.epochs = o.patience = 10;
  Trainer trainer(data, split, o);
  ASSERT_TRUE(trainer.run(nullptr, nullptr).ok());
  EvalOptions eval;
  eval.ks = {10};
  const Metrics pop = evaluate_popularity(data, split.test, item_counts(data, split.validation), eval);
  const Metrics model = evaluate_model(usable_model(trainer), data, split.test, eval);
  EXPECT_GT(model.hr.at(10), 0.8);
  EXPECT_GT(model.ndcg.at(10), pop.ndcg.at(10) + 0.3);
}

std::vector<std::uint8_t> trained_bytes(int threads) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 2;
  o.threads = threads;
  Trainer trainer(data, split, o);
  EXPECT_TRUE(trainer.run(nullptr, nullptr).ok());
  std::vector<std::uint8_t> bytes;
  auto model = usable_model(trainer);
  EXPECT_TRUE(write_model(*model, default_selftest(*model), &bytes).ok());
  return bytes;
}

TEST(Trainer, SameSeedSameDataSameModelBytes) {
  EXPECT_EQ(trained_bytes(2), trained_bytes(2));
}

// Another thread count sums each step's gradients in another order: the same batches, the same
// dropout, the same weights up to float rounding (docs/scale.md).
TEST(Trainer, OtherThreadCountsGiveTheSameWeightsUpToRounding) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 1;
  o.threads = 1;
  Trainer one(data, split, o);
  ASSERT_TRUE(one.run(nullptr, nullptr).ok());
  for (int threads : {2, 3}) {
    o.threads = threads;
    Trainer more(data, split, o);
    ASSERT_TRUE(more.run(nullptr, nullptr).ok());
    auto a = one.params().tensors(), b = more.params().tensors();
    for (std::size_t i = 0; i < a.size(); ++i)
      EXPECT_LE((*a[i] - *b[i]).norm(), 1e-5 * a[i]->norm()) << threads << " threads, tensor " << i;
    EXPECT_NEAR(one.history()[0].loss, more.history()[0].loss, 1e-6 * one.history()[0].loss);
  }
}

// --validation-shoppers: the validation cases of about that many shoppers (one case each in
// leave-one-out), always the same ones; the training itself is untouched.
TEST(Trainer, ValidationShoppersKeepsAboutThatManyShoppersCases) {
  const Dataset data = cycle_dataset(1000);
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 1;
  Trainer all(data, split, o);
  ASSERT_TRUE(all.run(nullptr, nullptr).ok());
  EXPECT_EQ(all.history()[0].validation.cases, split.validation.size());
  o.validation_shoppers = 200;
  Trainer some(data, split, o), again(data, split, o);
  ASSERT_TRUE(some.run(nullptr, nullptr).ok());
  ASSERT_TRUE(again.run(nullptr, nullptr).ok());
  const Metrics& v = some.history()[0].validation;
  EXPECT_GE(v.cases, 150u);  // binomial(1000, 0.2): 200 +- 12.6, so this is 4 standard deviations
  EXPECT_LE(v.cases, 250u);
  EXPECT_EQ(v.ranks, again.history()[0].validation.ranks);
  EXPECT_EQ(some.history()[0].loss, all.history()[0].loss);
}

// The checkpoint at the end of a run of `epochs` epochs with options o.
std::vector<std::uint8_t> checkpoint_after(const Dataset& data, const Split& split, TrainOptions o, int epochs) {
  o.epochs = epochs;
  Trainer first(data, split, o);
  EXPECT_TRUE(first.run(nullptr, nullptr).ok());
  std::vector<std::uint8_t> checkpoint;
  if (!first.save_checkpoint(&checkpoint).ok()) ADD_FAILURE() << "checkpoint not written";
  return checkpoint;
}

void expect_same_tensors(const Params<float>& want, const Params<float>& got) {
  auto a = want.tensors(), b = got.tensors();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_EQ(*a[i], *b[i]) << "tensor " << i;
}

TEST(Trainer, CheckpointResumesWhereItStopped) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 4;
  Trainer straight(data, split, o);
  ASSERT_TRUE(straight.run(nullptr, nullptr).ok());

  std::vector<std::uint8_t> checkpoint = checkpoint_after(data, split, o, 2);
  Trainer resumed(data, split, o);
  ASSERT_TRUE(resumed.load_checkpoint(checkpoint.data(), checkpoint.size()).ok());
  ASSERT_TRUE(resumed.run(nullptr, nullptr).ok());
  expect_same_tensors(straight.params(), resumed.params());

  checkpoint[30] ^= 1;
  EXPECT_EQ(resumed.load_checkpoint(checkpoint.data(), checkpoint.size()).message(),
            "checkpoint: checksum mismatch (corrupt or truncated)");
}

TEST(Params, MovingAverageStepIsDecayTimesAveragePlusTheRest) {
  Params<float> avg = init_params(tiny_dims(), 1), p = init_params(tiny_dims(), 2);
  const Params<float> before = avg;
  update_average(&avg, p, 0.75f);
  const Params<float>& after = avg;
  const auto a = after.tensors(), b = before.tensors(), q = std::as_const(p).tensors();
  for (std::size_t i = 0; i < a.size(); ++i)
    for (Eigen::Index k = 0; k < a[i]->size(); ++k)
      EXPECT_NEAR(a[i]->data()[k], 0.75f * b[i]->data()[k] + 0.25f * q[i]->data()[k], 1e-6f) << "tensor " << i;
}

// The composed table's gradient splits into the id, cold, rare and feature tables the same, to the
// bit, whether every row is visited on one thread or only the rows that may be nonzero (a sampled
// softmax's step) on several.
TEST(Params, ItemGradientsSplitTheSameOverListedRowsAndAnyThreadCount) {
  const Params<float> p = init_params(tiny_dims(), 1);
  ItemTable<float> g{Mat<float>::Zero(p.item_emb.rows(), p.item_emb.cols()), Mat<float>::Zero(p.item_emb.rows(), 1)};
  const std::vector<std::int32_t> rows = {1, 2, 5, 6};  // own, cold, own, rare (kCold)
  Rng rng(3);
  for (std::int32_t r : rows) {
    for (Eigen::Index c = 0; c < g.vec.cols(); ++c) g.vec(r, c) = static_cast<float>(rng.uniform() - 0.5);
    g.bias(r, 0) = static_cast<float>(rng.uniform() - 0.5);
  }
  Params<float> every = p.zeros_like();
  distribute_item_grads(g, kCatalog, kCold, &every);
  EXPECT_GT(every.cold_emb.norm(), 0.0f);
  EXPECT_GT(every.rare_emb.norm(), 0.0f);
  EXPECT_GT(every.feature_emb[0].norm(), 0.0f);
  for (int threads : {1, 2, 3}) {
    Params<float> listed = p.zeros_like();
    distribute_item_grads(g, kCatalog, kCold, &listed, threads, &rows);
    const auto a = std::as_const(every).tensors(), b = std::as_const(listed).tensors();
    for (std::size_t i = 0; i < a.size(); ++i)
      for (Eigen::Index k = 0; k < a[i]->size(); ++k)
        ASSERT_EQ(a[i]->data()[k], b[i]->data()[k]) << threads << " threads, tensor " << i << " element " << k;
  }
}

// With --ema, validation scores the moving average (not the raw weights), the best model is the
// average at the best epoch, and a checkpoint carries the average: resuming ends where a straight
// run ends. A checkpoint of another --ema is refused.
TEST(Trainer, WeightAverageIsWhatValidationScoresAndCheckpointsKeep) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 3;
  o.patience = 100;
  o.ema = 0.9;
  Trainer straight(data, split, o);
  ASSERT_TRUE(straight.run(nullptr, nullptr).ok());
  EvalOptions eval;
  eval.ks = {10};
  const Metrics averaged = evaluate_model(usable_model(straight, &straight.averaged()), data, split.validation, eval);
  const Metrics raw = evaluate_model(usable_model(straight, &straight.params()), data, split.validation, eval);
  EXPECT_DOUBLE_EQ(straight.history().back().validation.ndcg.at(10), averaged.ndcg.at(10));
  EXPECT_NE(averaged.ranks, raw.ranks) << "the average must differ from the raw weights for this test to mean anything";
  EXPECT_GT((straight.averaged().lstm_w - straight.params().lstm_w).cwiseAbs().maxCoeff(), 1e-4f);

  const std::vector<std::uint8_t> checkpoint = checkpoint_after(data, split, o, 2);
  Trainer resumed(data, split, o);
  ASSERT_TRUE(resumed.load_checkpoint(checkpoint.data(), checkpoint.size()).ok());
  ASSERT_TRUE(resumed.run(nullptr, nullptr).ok());
  expect_same_tensors(straight.averaged(), resumed.averaged());

  o.ema = 0;
  Trainer other(data, split, o);
  EXPECT_EQ(other.load_checkpoint(checkpoint.data(), checkpoint.size()).message(),
            "checkpoint: made with --ema 0.9, this run has --ema 0");
}

// Without the repeat term its weights stay exactly 0 (so the exported model adds no repeat
// bonus); with it they move (the cycle log's window items are never the next item).
TEST(Trainer, WithoutTheRepeatTermItsWeightsStayZero) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 2;
  o.weight_decay = 0.01;
  for (bool on : {true, false}) {
    o.repeat_term = on;
    Trainer trainer(data, split, o);
    ASSERT_TRUE(trainer.run(nullptr, nullptr).ok());
    const auto model = usable_model(trainer, &trainer.params());
    ASSERT_TRUE(model);
    const ModelWeights& w = model->weights();
    const double moved = w.repeat_recency.cwiseAbs().sum() + w.repeat_type.cwiseAbs().sum();
    if (on) {
      EXPECT_GT(moved, 1e-3);
    } else {
      EXPECT_EQ(moved, 0.0);
    }
    EXPECT_GT(trainer.params().lstm_w.cwiseAbs().sum(), 0) << "the rest still trains";
  }
}

// The learning rate halves after every decay_patience epochs without a better validation score
// (the cycle log is learnt within a few epochs, then validation plateaus), and a checkpoint taken
// after a decay resumes with the decayed rate: the resumed run ends with the same weights.
TEST(Trainer, LearningRateDecaysOnPlateausAndResumesDecayed) {
  const int kEpochs = 16;
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = kEpochs;
  o.patience = 100;
  o.lr_decay = 0.5;
  o.decay_patience = 1;
  o.id_dropout = 0;  // validation plateaus sooner without it, as this test needs
  Trainer straight(data, split, o);
  ASSERT_TRUE(straight.run(nullptr, nullptr).ok());
  ASSERT_EQ(straight.history().size(), static_cast<std::size_t>(kEpochs));
  double lr = o.lr;
  int best = 0, decayed = 0, decays = 0;
  for (const EpochLog& e : straight.history()) {
    EXPECT_DOUBLE_EQ(e.lr, lr) << "epoch " << e.epoch;
    if (e.best) best = e.epoch;
    if (e.epoch - std::max(best, decayed) >= 1) {
      lr *= 0.5;
      decayed = e.epoch;
      ++decays;
    }
  }
  EXPECT_DOUBLE_EQ(straight.lr(), lr);
  EXPECT_GE(decays, 2) << "validation must plateau for this test to mean anything";

  int first_decay = 0;
  for (const EpochLog& e : straight.history())
    if (first_decay == 0 && e.lr < o.lr) first_decay = e.epoch;
  ASSERT_GT(first_decay, 1);
  ASSERT_LT(first_decay, kEpochs);
  o.epochs = first_decay;
  Trainer first(data, split, o);
  ASSERT_TRUE(first.run(nullptr, nullptr).ok());
  std::vector<std::uint8_t> checkpoint;
  ASSERT_TRUE(first.save_checkpoint(&checkpoint).ok());
  o.epochs = kEpochs;
  Trainer resumed(data, split, o);
  ASSERT_TRUE(resumed.load_checkpoint(checkpoint.data(), checkpoint.size()).ok());
  EXPECT_DOUBLE_EQ(resumed.lr(), first.lr());
  EXPECT_LT(resumed.lr(), o.lr);
  ASSERT_TRUE(resumed.run(nullptr, nullptr).ok());
  expect_same_tensors(straight.params(), resumed.params());
}

// A checkpoint whose header has a field of another type (hand-edited, or from another version)
// is refused with a message; nlohmann's value() would throw out of load_checkpoint otherwise.
TEST(Trainer, CheckpointHeaderOfTheWrongTypesIsRefused) {
  const Dataset data = cycle_dataset();
  const Split split = leave_one_out(data);
  TrainOptions o = tiny_options();
  o.epochs = 1;
  Trainer first(data, split, o);
  ASSERT_TRUE(first.run(nullptr, nullptr).ok());
  std::vector<std::uint8_t> good;
  ASSERT_TRUE(first.save_checkpoint(&good).ok());
  // Re-sealed around an edited header: "TNDC", version, header size, header, tensors, XXH64.
  auto edited = [&good](const std::string& from, const std::string& to) {
    std::uint32_t size;
    std::memcpy(&size, good.data() + 8, 4);
    std::string header(reinterpret_cast<const char*>(good.data()) + 12, size);
    const std::size_t at = header.find(from);
    EXPECT_NE(at, std::string::npos) << header;
    if (at != std::string::npos) header.replace(at, from.size(), to);
    std::vector<std::uint8_t> out(good.begin(), good.begin() + 8);
    const auto n = static_cast<std::uint32_t>(header.size());
    const auto* np = reinterpret_cast<const std::uint8_t*>(&n);
    out.insert(out.end(), np, np + 4);
    out.insert(out.end(), header.begin(), header.end());
    out.insert(out.end(), good.begin() + 12 + size, good.end() - 8);
    const std::uint64_t sum = xxh64(out.data(), out.size());
    const auto* sp = reinterpret_cast<const std::uint8_t*>(&sum);
    out.insert(out.end(), sp, sp + 8);
    return out;
  };
  Trainer resumed(data, split, o);
  for (const auto& [from, to] : {std::pair<std::string, std::string>{"\"epoch\":1", "\"epoch\":\"1\""},
                                 {"\"dim\":8", "\"dim\":[8]"},
                                 {"\"history\":[", "\"history\":[7,"}}) {
    const std::vector<std::uint8_t> bytes = edited(from, to);
    const Status s = resumed.load_checkpoint(bytes.data(), bytes.size());
    EXPECT_EQ(s.message().rfind("checkpoint: a header field has the wrong type (", 0), 0u) << to << ": " << s.message();
    EXPECT_TRUE(resumed.history().empty()) << "a refused checkpoint changes nothing";
  }
  const std::vector<std::uint8_t> same = edited("\"epoch\":1", "\"epoch\":1");
  EXPECT_TRUE(resumed.load_checkpoint(same.data(), same.size()).ok());
  EXPECT_EQ(resumed.history().size(), 1u);
}

TEST(Export, ItemTableIsInt8FromAHundredThousandItemsUnlessChosen) {
  EXPECT_FALSE(exports_int8(ItemTableType::by_size, kInt8FromItems - 1));
  EXPECT_TRUE(exports_int8(ItemTableType::by_size, kInt8FromItems));
  EXPECT_EQ(kInt8FromItems, 100000u);
  EXPECT_FALSE(exports_int8(ItemTableType::float32, 1000000));
  EXPECT_TRUE(exports_int8(ItemTableType::int8, 10));
}

}  // namespace
}  // namespace tandem::train
