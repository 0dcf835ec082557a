// Offline evaluation: every case ranks the whole catalog and the rank of the held-out item gives
// HR@K, NDCG@K, MRR@K and Recall@K (one target per case, so Recall@K = HR@K). Models are scored by
// core::Session itself, exactly as the browser will score them; baselines by the same ranking
// code. Ties are broken by the lower row, as recommend() does.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "train/dataset.h"
#include "train/distributed.h"

namespace tandem::train {

struct EvalOptions {
  std::vector<int> ks = {5, 10, 20};
  bool exclude_history = false;  // rank only items the user has not interacted with (Amazon convention)
  int top = 0;                   // when > 0, on_topk receives each case's `top` best rows, best first
  std::function<void(std::size_t case_index, const std::vector<std::int32_t>& rows)> on_topk;
};

struct Metrics {
  std::size_t cases = 0;
  std::map<int, double> hr, ndcg, mrr;
  std::vector<std::size_t> ranks;  // per case, in case order: the held-out item's rank, 0 = first
  double recall(int k) const { return hr.at(k); }
};

// NDCG@k of one case whose held-out item has rank `rank` (0 = first): 1 / log2(rank + 2) inside
// the top k, else 0.
double case_ndcg(std::size_t rank, int k);

// Two evaluations of the same cases, paired: the mean per-case difference of NDCG@k (a minus b),
// that difference relative to b's NDCG@k (0 when that is 0), and its standard error (the sample standard deviation
// of the per-case differences over the square root of the number of cases). Comparing against an
// empty evaluation gives a's own NDCG@k and standard error.
struct NdcgDifference {
  double difference = 0, relative = 0, standard_error = 0;
};
NdcgDifference ndcg_difference(const Metrics& a, const Metrics& b, int k);

// The metrics of cases whose held-out items have these ranks (0 = first), in case order.
Metrics metrics_from_ranks(std::vector<std::size_t> ranks, const std::vector<int>& ks);

// A group's evaluation of its processes' cases: every process's ranks, in rank order, on every
// process (alone: `mine`).
Metrics gather_metrics(const Group& group, const Metrics& mine, const std::vector<int>& ks);

// Scores every item for one case into `scores` (N values).
using CaseScorer = std::function<void(const Case&, std::vector<float>& scores)>;

Metrics evaluate_scorer(const Dataset& data, const std::vector<Case>& cases, const EvalOptions& options,
                        const std::function<CaseScorer()>& make_scorer);

// The model, through a core::Session per case: profile from the whole prefix, every prefix event observed.
Metrics evaluate_model(std::shared_ptr<const Model> model, const Dataset& data, const std::vector<Case>& cases,
                       const EvalOptions& options);

// What a case holds out, relative to what came before it. The metrics broken down by kind show
// where a model's quality comes from: on the Taobao sample almost all of it from revisits.
enum class TargetKind {
  recent_window,    // among the shopper's last `window` events before it (what the repeat term sees)
  earlier_history,  // earlier in the shopper's history
  known_item,       // new to the shopper, but the item occurs before the held-out part
  new_item,         // the item occurs nowhere before the held-out part
};
constexpr int kTargetKinds = 4;
const char* target_kind_name(TargetKind kind);

// Per case: what it holds out, and whether its ranking is asked for on a return, more than the
// session timeout after the event before the held-out one, so that it is a new visit's
// (Session::resume_at). `counts` as item_counts() gives them.
struct CaseKinds {
  std::vector<TargetKind> held_out;
  std::vector<bool> on_return;
};
CaseKinds case_kinds(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                     int window, double session_timeout_s);

// NDCG@k over the cases in a group (the mean of case_ndcg over them), and how many there are.
struct GroupNdcg {
  std::size_t cases = 0;
  double ndcg = 0;
};
GroupNdcg group_ndcg(const Metrics& metrics, const std::vector<bool>& in_group, int k);

// Baselines. Popularity: how often each item occurs before the held-out part (item_counts).
// Recently viewed: the user's distinct recent items, newest first, then popular items: the strip
// most shops already show.
std::vector<double> item_counts(const Dataset& data, const std::vector<Case>& held_out);
Metrics evaluate_popularity(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                            const EvalOptions& options);
Metrics evaluate_recently_viewed(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                                 const EvalOptions& options);
// New in category: the reference for items no event before the held-out part names (counts 0).
// Those come first, by their category's share of the shopper's last `window` events, then by the
// category's popularity (the counts of its items); every other item after them, by popularity.
Metrics evaluate_new_in_category(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                                 int window, const EvalOptions& options);

}  // namespace tandem::train
