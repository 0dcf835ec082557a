#include "train/evaluate.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/long_term.h"
#include "core/rules.h"
#include "core/session.h"

namespace tandem::train {

Metrics evaluate_scorer(const Dataset& data, const std::vector<Case>& cases, const EvalOptions& options,
                        const std::function<CaseScorer()>& make_scorer) {
  const std::size_t n = data.item_ids.size();
  std::vector<std::size_t> ranks(cases.size(), 0);
  std::vector<std::vector<std::int32_t>> tops(options.top > 0 ? cases.size() : 0);
#pragma omp parallel
  {
    CaseScorer scorer = make_scorer();
    std::vector<float> scores(n);
    std::vector<char> excluded(n, 0);
    std::vector<std::int32_t> order;
#pragma omp for schedule(dynamic, 64)
    for (std::size_t ci = 0; ci < cases.size(); ++ci) {
      const Case& c = cases[ci];
      scorer(c, scores);
      const std::int32_t target = data.events[c.target].item;
      const std::size_t begin = data.user_begin(c.user);
      if (options.exclude_history)
        for (std::size_t i = begin; i < c.target; ++i) excluded[static_cast<std::size_t>(data.events[i].item)] = 1;
      excluded[static_cast<std::size_t>(target)] = 0;  // the target itself is always ranked
      const float st = scores[static_cast<std::size_t>(target)];
      std::size_t rank = 0;
      for (std::size_t j = 0; j < n; ++j) {
        if (excluded[j]) continue;
        const float s = scores[j];
        rank += (s > st || (s == st && static_cast<std::int32_t>(j) < target)) ? 1 : 0;
      }
      ranks[ci] = rank;
      if (options.top > 0) {
        order.clear();
        for (std::size_t j = 0; j < n; ++j)
          if (!excluded[j]) order.push_back(static_cast<std::int32_t>(j));
        const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(options.top), order.size());
        std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                          [&scores](std::int32_t a, std::int32_t b) {
                            const float sa = scores[static_cast<std::size_t>(a)], sb = scores[static_cast<std::size_t>(b)];
                            return sa > sb || (sa == sb && a < b);
                          });
        tops[ci].assign(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k));
      }
      if (options.exclude_history)
        for (std::size_t i = begin; i < c.target; ++i) excluded[static_cast<std::size_t>(data.events[i].item)] = 0;
    }
  }
  Metrics m = metrics_from_ranks(std::move(ranks), options.ks);
  if (options.on_topk)
    for (std::size_t ci = 0; ci < tops.size(); ++ci) options.on_topk(ci, tops[ci]);
  return m;
}

Metrics metrics_from_ranks(std::vector<std::size_t> ranks, const std::vector<int>& ks) {
  Metrics m;
  m.cases = ranks.size();
  for (int k : ks) {
    double hr = 0, ndcg = 0, mrr = 0;
    for (std::size_t r : ranks) {
      if (r < static_cast<std::size_t>(k)) {
        hr += 1;
        ndcg += case_ndcg(r, k);
        mrr += 1.0 / (static_cast<double>(r) + 1.0);
      }
    }
    const double denom = ranks.empty() ? 1.0 : static_cast<double>(ranks.size());
    m.hr[k] = hr / denom;
    m.ndcg[k] = ndcg / denom;
    m.mrr[k] = mrr / denom;
  }
  m.ranks = std::move(ranks);
  return m;
}

Metrics gather_metrics(const Group& group, const Metrics& mine, const std::vector<int>& ks) {
  if (group.size() == 1) return mine;
  const std::vector<std::uint64_t> all = group.gather(std::vector<std::uint64_t>(mine.ranks.begin(), mine.ranks.end()));
  return metrics_from_ranks(std::vector<std::size_t>(all.begin(), all.end()), ks);
}

double case_ndcg(std::size_t rank, int k) {
  return rank < static_cast<std::size_t>(k) ? 1.0 / std::log2(static_cast<double>(rank) + 2.0) : 0.0;
}

NdcgDifference ndcg_difference(const Metrics& a, const Metrics& b, int k) {
  NdcgDifference out;
  const std::size_t n = a.ranks.size();
  if (n == 0) return out;
  const bool paired = b.ranks.size() == n;
  std::vector<double> diff(n);
  double base = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double nb = paired ? case_ndcg(b.ranks[i], k) : 0.0;
    diff[i] = case_ndcg(a.ranks[i], k) - nb;
    base += nb;
  }
  double mean = 0;
  for (double x : diff) mean += x;
  mean /= static_cast<double>(n);
  double ss = 0;
  for (double x : diff) ss += (x - mean) * (x - mean);
  out.difference = mean;
  base /= static_cast<double>(n);
  out.relative = base > 0 ? mean / base : 0.0;
  out.standard_error = n > 1 ? std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n)) : 0.0;
  return out;
}

Metrics evaluate_model(std::shared_ptr<const Model> model, const Dataset& data, const std::vector<Case>& cases,
                       const EvalOptions& options) {
  return evaluate_scorer(data, cases, options, [&]() -> CaseScorer {
    auto rows = std::make_shared<std::vector<std::int32_t>>(data.item_ids.size());
    std::iota(rows->begin(), rows->end(), 0);
    return [model, rows, &data](const Case& c, std::vector<float>& scores) {
      Session session(model);
      const std::size_t begin = data.user_begin(c.user);
      session.set_profile(encode_history(*model, data.events.data() + begin, c.target - begin));
      for (std::size_t i = begin; i < c.target; ++i) {
        const Event& e = data.events[i];
        session.observe(e.item, e.type, e.time);
      }
      session.resume_at(data.events[c.target].time);  // asked at the time of the held-out event
      session.score(rows->data(), rows->size(), scores.data());
    };
  });
}

const char* target_kind_name(TargetKind kind) {
  switch (kind) {
    case TargetKind::recent_window: return "in the recent window";
    case TargetKind::earlier_history: return "earlier in the history";
    case TargetKind::known_item: return "new to the shopper";
    case TargetKind::new_item: return "item not seen before";
  }
  return "?";
}

CaseKinds case_kinds(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                     int window, double session_timeout_s) {
  CaseKinds kinds;
  kinds.held_out.reserve(cases.size());
  kinds.on_return.reserve(cases.size());
  for (const Case& c : cases) {
    const std::int32_t item = data.events[c.target].item;
    const std::size_t begin = data.user_begin(c.user);
    const std::size_t recent = c.target - begin > static_cast<std::size_t>(window) ? c.target - static_cast<std::size_t>(window) : begin;
    const auto is_item = [item](const Event& e) { return e.item == item; };
    const Event* events = data.events.data();
    if (std::any_of(events + recent, events + c.target, is_item))
      kinds.held_out.push_back(TargetKind::recent_window);
    else if (std::any_of(events + begin, events + recent, is_item))
      kinds.held_out.push_back(TargetKind::earlier_history);
    else if (counts[static_cast<std::size_t>(item)] > 0)
      kinds.held_out.push_back(TargetKind::known_item);
    else
      kinds.held_out.push_back(TargetKind::new_item);
    kinds.on_return.push_back(c.target > begin && visit_ended(events[c.target].time - events[c.target - 1].time, session_timeout_s));
  }
  return kinds;
}

GroupNdcg group_ndcg(const Metrics& metrics, const std::vector<bool>& in_group, int k) {
  GroupNdcg out;
  for (std::size_t i = 0; i < in_group.size() && i < metrics.ranks.size(); ++i) {
    if (!in_group[i]) continue;
    ++out.cases;
    out.ndcg += case_ndcg(metrics.ranks[i], k);
  }
  if (out.cases > 0) out.ndcg /= static_cast<double>(out.cases);
  return out;
}

std::vector<double> item_counts(const Dataset& data, const std::vector<Case>& held_out) {
  // Per user, count the events before the first held-out target (none held out: all of them).
  std::vector<std::size_t> cut(data.user_count());
  for (std::size_t u = 0; u < data.user_count(); ++u) cut[u] = data.user_end(u);
  for (const Case& c : held_out) cut[c.user] = std::min(cut[c.user], c.target);
  std::vector<double> counts(data.item_ids.size(), 0.0);
  for (std::size_t u = 0; u < data.user_count(); ++u)
    for (std::size_t i = data.user_begin(u); i < cut[u]; ++i) counts[static_cast<std::size_t>(data.events[i].item)] += 1;
  return counts;
}

Metrics evaluate_popularity(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                            const EvalOptions& options) {
  return evaluate_scorer(data, cases, options, [&]() -> CaseScorer {
    return [&counts](const Case&, std::vector<float>& scores) {
      for (std::size_t j = 0; j < counts.size(); ++j) scores[j] = static_cast<float>(counts[j]);
    };
  });
}

Metrics evaluate_recently_viewed(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                                 const EvalOptions& options) {
  const double top = *std::max_element(counts.begin(), counts.end()) + 1.0;
  return evaluate_scorer(data, cases, options, [&]() -> CaseScorer {
    return [&counts, &data, top](const Case& c, std::vector<float>& scores) {
      for (std::size_t j = 0; j < counts.size(); ++j) scores[j] = static_cast<float>(counts[j]);
      // Above every popularity score, the newer the higher (positions are distinct floats while
      // histories stay under 2^24 events).
      const std::size_t begin = data.user_begin(c.user);
      for (std::size_t i = begin; i < c.target; ++i)
        scores[static_cast<std::size_t>(data.events[i].item)] = static_cast<float>(top + static_cast<double>(i - begin));
    };
  });
}

Metrics evaluate_new_in_category(const Dataset& data, const std::vector<Case>& cases, const std::vector<double>& counts,
                                  int window, const EvalOptions& options) {
  const int feature = data.catalog.find_feature("category");
  const std::size_t n = data.item_ids.size();
  std::vector<std::int32_t> category(n, -1);
  std::size_t categories = 0;
  if (feature >= 0) {
    categories = data.catalog.features[static_cast<std::size_t>(feature)].values.size();
    for (std::size_t j = 0; j < n; ++j) category[j] = data.catalog.value(j, static_cast<std::size_t>(feature));
  }
  // A category's popularity: its items' counts, as a share of the largest category's.
  std::vector<double> popularity(categories, 0.0);
  for (std::size_t j = 0; j < n; ++j)
    if (category[j] >= 0) popularity[static_cast<std::size_t>(category[j])] += counts[j];
  const double most = std::max(1.0, popularity.empty() ? 1.0 : *std::max_element(popularity.begin(), popularity.end()));
  const double top = *std::max_element(counts.begin(), counts.end()) + 1.0;
  return evaluate_scorer(data, cases, options, [&]() -> CaseScorer {
    std::vector<double> share(categories, 0.0);
    return [&, share](const Case& c, std::vector<float>& scores) mutable {
      std::fill(share.begin(), share.end(), 0.0);
      const std::size_t begin = data.user_begin(c.user);
      const std::size_t first = c.target - begin > static_cast<std::size_t>(window) ? c.target - static_cast<std::size_t>(window) : begin;
      for (std::size_t i = first; i < c.target; ++i) {
        const std::int32_t cat = category[static_cast<std::size_t>(data.events[i].item)];
        if (cat >= 0) share[static_cast<std::size_t>(cat)] += 1.0 / static_cast<double>(c.target - first);
      }
      // Items without events first, by their category's share of the window, then its popularity;
      // then the others by popularity.
      for (std::size_t j = 0; j < n; ++j) {
        if (counts[j] > 0) {
          scores[j] = static_cast<float>(counts[j] / top - 2);
        } else {
          const std::int32_t cat = category[j];
          scores[j] = cat < 0 ? 0.0f
                              : static_cast<float>(share[static_cast<std::size_t>(cat)] + 0.5 * popularity[static_cast<std::size_t>(cat)] / most);
        }
      }
    };
  });
}

}  // namespace tandem::train
