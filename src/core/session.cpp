#include "core/session.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/kernels.h"
#include "core/limits.h"
#include "core/lstm.h"
#include "core/rules.h"

namespace tandem {

namespace {


std::uint32_t hash_row(std::int32_t row) { return static_cast<std::uint32_t>(row) * 2654435761u; }

// Better first: higher score, then the lower index.
struct Better {
  const float* scores;
  bool operator()(std::int32_t a, std::int32_t b) const {
    return scores[a] > scores[b] || (scores[a] == scores[b] && a < b);
  }
};

}  // namespace

Session::Session(std::shared_ptr<const Model> model) : model_(std::move(model)), d_(model_->dim()) {
  h_ = Vector::Zero(d_);
  c_ = Vector::Zero(d_);
  xh_ = Vector::Zero(2 * d_);
  z_ = Vector::Zero(4 * d_);
  profile_ = empty_profile(*model_);
  p_ = Vector::Zero(d_);
  gate_ = Vector::Zero(d_);
  u_ = Vector::Zero(d_);
  scratch_ = Vector::Zero(2 * d_);
  const std::size_t window = static_cast<std::size_t>(model_->config().window);
  window_.resize(window);
  std::uint32_t cap = 8;
  while (cap < 2 * window) cap <<= 1;
  repeat_rows_.assign(cap, -1);
  repeat_values_.assign(cap, 0.0f);
  repeat_mask_ = cap - 1;
}

Status Session::observe(std::int32_t item, int type, double time, double price, double discount) {
  if (type < 0 || type >= model_->event_type_count())
    return Status::error("event type " + std::to_string(type) + " is out of range (the model has " +
                         std::to_string(model_->event_type_count()) + " event types)");
  if (!valid_time(time)) return Status::error("event time must be a number of seconds within +-8.64e12 (the range of a JavaScript Date)");
  if (item < -1 || item >= model_->item_count())
    return Status::error("item row " + std::to_string(item) + " is out of range");
  if (!std::isnan(price) && !valid_price(price))
    return Status::error("price must be a number in [0, 1e12]");
  if (!std::isnan(discount) && !valid_discount(discount))
    return Status::error("discount must be a share in [0, 1) (0.25 is 25 % off)");
  if (item < 0) {
    ++counters_.unknown_items;
    return {};
  }
  const ModelConfig& cfg = model_->config();
  const bool first = !has_last_ || visit_ended(time - last_time_, cfg.session_timeout_s);
  const int gap = gap_bucket(first, time - last_time_, cfg.gap_buckets);
  if (first) {
    h_.setZero();
    c_.setZero();
    ++counters_.sessions;
  }
  if (!has_last_ || time > last_time_) last_time_ = time;
  has_last_ = true;

  lstm_input(*model_, item, type, gap, xh_.data());
  float dbias;
  if (model_->price_change(item, price, discount, scratch_.data(), &dbias)) xh_.head(d_) += scratch_.head(d_);
  lstm_step(*model_, xh_.data(), h_.data(), c_.data(), z_.data());
  push_recent(Event{item, type, time});
  ++counters_.events;
  dirty_ = true;
  return {};
}

void Session::push_recent(const Event& e) {
  const std::size_t cap = window_.size();
  if (window_size_ < cap) {
    window_[(window_start_ + window_size_) % cap] = e;
    ++window_size_;
  } else {
    window_[window_start_] = e;
    window_start_ = (window_start_ + 1) % cap;
  }
  ++unfolded_;
}

const Event& Session::recent(std::size_t i) const { return window_[(window_start_ + i) % window_.size()]; }

Status Session::set_profile(const float* values, std::size_t count) {
  Profile p;
  Status s = profile_from_vector(*model_, values, count, &p);
  if (!s.ok()) return s;
  set_profile(p);
  return {};
}

void Session::set_profile(const Profile& profile) {
  profile_ = profile;
  profile_dirty_ = dirty_ = true;
}

void Session::clear_profile() { set_profile(empty_profile(*model_)); }

void Session::fold_recent_events() {
  const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(unfolded_, window_size_));
  for (std::size_t i = window_size_ - n; i < window_size_; ++i) fold_history(*model_, &recent(i), 1, profile_);
  unfolded_ = 0;
  profile_dirty_ = dirty_ = true;
}

Status Session::resume_at(double now, bool* ended) {
  if (!valid_time(now)) return Status::error("the time must be a number of seconds within +-8.64e12 (the range of a JavaScript Date)");
  const bool reset = has_last_ && visit_ended(now - last_time_, model_->config().session_timeout_s) && (h_.any() || c_.any());
  if (reset) {
    h_.setZero();
    c_.setZero();
    dirty_ = true;
  }
  if (ended) *ended = reset;
  return {};
}

void Session::reset() {
  h_.setZero();
  c_.setZero();
  window_start_ = window_size_ = 0;
  unfolded_ = 0;
  has_last_ = false;
  last_time_ = 0;
  counters_ = SessionCounters{};
  dirty_ = true;
}

void Session::refresh() {
  if (!dirty_) return;
  const ModelWeights& w = model_->weights();
  if (profile_dirty_) {
    long_term_interest(*model_, profile_, p_.data(), scratch_.data());
    profile_dirty_ = false;
  }
  switch (model_->config().fusion) {
    case Fusion::long_term:
      gate_.setOnes();
      u_ = p_;
      break;
    case Fusion::short_term:
      gate_.setZero();
      u_ = h_;
      break;
    case Fusion::gate:
      scratch_.head(d_) = p_;
      scratch_.tail(d_) = h_;
      kernels::matvec(w.gate_w.data(), d_, 2 * d_, scratch_.data(), gate_.data());
      gate_ += w.gate_b;
      kernels::sigmoid(gate_.data(), d_);
      for (int k = 0; k < d_; ++k) u_[k] = gate_[k] * p_[k] + (1.0f - gate_[k]) * h_[k];
      break;
  }
  // Repeat bonuses: every occurrence in the window adds recency(rank bucket) + type, rank 0 newest.
  std::fill(repeat_rows_.begin(), repeat_rows_.end(), -1);
  const int buckets = model_->config().repeat_buckets;
  for (std::size_t rank = 0; rank < window_size_; ++rank) {
    const Event& e = recent(window_size_ - 1 - rank);
    const float bonus = w.repeat_recency[repeat_bucket(rank, buckets)] + w.repeat_type[e.type];
    std::uint32_t i = hash_row(e.item) & repeat_mask_;
    while (repeat_rows_[i] >= 0 && repeat_rows_[i] != e.item) i = (i + 1) & repeat_mask_;
    if (repeat_rows_[i] < 0) {
      repeat_rows_[i] = e.item;
      repeat_values_[i] = 0;
    }
    repeat_values_[i] += bonus;
  }
  repeats_.clear();
  for (std::size_t i = 0; i < repeat_rows_.size(); ++i)
    if (repeat_rows_[i] >= 0) repeats_.push_back({repeat_rows_[i], repeat_values_[i]});
  std::sort(repeats_.begin(), repeats_.end(), [](const Repeat& a, const Repeat& b) { return a.row < b.row; });
  model_->prepare_query(u_, &query_);
  dirty_ = false;
}

float Session::repeat_bonus(std::int32_t row) const {
  std::uint32_t i = hash_row(row) & repeat_mask_;
  while (true) {
    const std::int32_t r = repeat_rows_[i];
    if (r == row) return repeat_values_[i];
    if (r < 0) return 0.0f;
    i = (i + 1) & repeat_mask_;
  }
}

const Vector& Session::interest() {
  refresh();
  return u_;
}

float Session::gate_mean() {
  refresh();
  return gate_.mean();
}

void Session::score(const std::int32_t* items, std::size_t count, float* out, const double* prices,
                    const double* discounts) {
  refresh();
  // Unknown rows are scored as row 0 and then replaced by the fallback item's score.
  rows_.resize(std::max(rows_.size(), count));
  bool unknown = false;
  for (std::size_t i = 0; i < count; ++i) {
    const bool valid = items[i] >= 0 && items[i] < model_->item_count();
    rows_[i] = valid ? items[i] : 0;
    unknown |= !valid;
  }
  model_->item_scores(query_, rows_.data(), 0, static_cast<std::int32_t>(count), out);
  if (unknown) {
    const float fallback = model_->fallback_vec().dot(u_) + model_->fallback_bias();
    for (std::size_t i = 0; i < count; ++i)
      if (items[i] < 0 || items[i] >= model_->item_count()) out[i] = fallback;
  }
  const double none = std::numeric_limits<double>::quiet_NaN();
  for (std::size_t i = 0; (prices || discounts) && i < count; ++i) {
    float dbias;
    if (items[i] >= 0 && items[i] < model_->item_count() &&
        model_->price_change(items[i], prices ? prices[i] : none, discounts ? discounts[i] : none, scratch_.data(), &dbias))
      out[i] += scratch_.head(d_).dot(u_) + dbias;
  }
  if (window_size_ == 0) return;
  for (std::size_t i = 0; i < count; ++i)
    if (items[i] >= 0 && items[i] < model_->item_count()) out[i] += repeat_bonus(items[i]);
}

void Session::score_parts(const std::int32_t* items, std::size_t count, float* long_term, float* short_term) {
  refresh();
  // u = g*p + (1-g)*h splits into its two halves; scratch_ holds them side by side.
  scratch_.head(d_) = gate_.cwiseProduct(p_);
  scratch_.tail(d_) = u_ - scratch_.head(d_);
  for (std::size_t i = 0; i < count; ++i) {
    const std::int32_t row = items[i];
    if (row < 0 || row >= model_->item_count()) {
      long_term[i] = model_->fallback_vec().dot(scratch_.head(d_));
      short_term[i] = model_->fallback_vec().dot(scratch_.tail(d_));
    } else {
      long_term[i] = model_->item_dot(row, scratch_.data());
      short_term[i] = model_->item_dot(row, scratch_.data() + d_);
    }
  }
}

std::size_t Session::rerank(const std::int32_t* items, std::size_t count, std::size_t top, std::int32_t* positions,
                            float* scores, float* long_share, bool keep_order, const double* prices,
                            const double* discounts) {
  if (scores_.size() < count) scores_.resize(count);
  if (order_.size() < count) order_.resize(count);
  score(items, count, scores_.data(), prices, discounts);
  for (std::size_t i = 0; i < count; ++i) order_[i] = static_cast<std::int32_t>(i);
  top = std::min(top, count);
  const auto first = order_.begin(), last = order_.begin() + static_cast<std::ptrdiff_t>(count);
  if (!keep_order) std::partial_sort(first, first + static_cast<std::ptrdiff_t>(top), last, Better{scores_.data()});
  for (std::size_t i = 0; i < top; ++i) {
    positions[i] = order_[i];
    scores[i] = scores_[static_cast<std::size_t>(order_[i])];
  }
  if (long_share) {
    // The long-term profile's share of what the interest contributed: |long| / (|long| + |short|).
    for (std::size_t i = 0; i < top; ++i) {
      float parts[2];
      score_parts(&items[positions[i]], 1, &parts[0], &parts[1]);
      const float a = std::fabs(parts[0]), b = std::fabs(parts[1]);
      long_share[i] = a + b > 0 ? a / (a + b) : 0.5f;
    }
  }
  return top;
}

std::size_t Session::recommend(std::size_t k, Exclude exclude, const std::int32_t* excluded,
                               std::size_t excluded_count, std::int32_t* rows, float* scores) {
  refresh();
  const std::int32_t n = model_->item_count();
  // Sorted exclusion list, walked alongside the blocks.
  excluded_.assign(excluded, excluded + excluded_count);
  if (exclude != Exclude::none) {
    for (std::size_t i = 0; i < window_size_; ++i) {
      const Event& e = recent(i);
      if (exclude == Exclude::seen || e.type == model_->purchase_type()) excluded_.push_back(e.item);
    }
  }
  std::sort(excluded_.begin(), excluded_.end());

  // Scores are computed a block of rows at a time into scores_, the repeat bonuses of the block's
  // rows added from the sorted list, and a heap keeps the best k so far (its front is the worst of
  // them), so no catalog-sized buffer is needed. Exclusions are looked up only for rows that would
  // enter the heap.
  constexpr std::int32_t kBlock = 256;
  if (scores_.size() < static_cast<std::size_t>(kBlock)) scores_.resize(kBlock);
  float* block = scores_.data();
  struct Entry {
    float score;
    std::int32_t row;
  };
  auto worse = [](const Entry& a, const Entry& b) { return a.score > b.score || (a.score == b.score && a.row < b.row); };
  std::vector<Entry> heap;
  heap.reserve(std::min<std::size_t>(k, static_cast<std::size_t>(n)));
  auto next_repeat = repeats_.begin();
  float threshold = -std::numeric_limits<float>::infinity();
  for (std::int32_t first = 0; first < n && k > 0; first += kBlock) {
    const std::int32_t count = std::min(kBlock, n - first);
    model_->item_scores(query_, nullptr, first, count, block);
    for (; next_repeat != repeats_.end() && next_repeat->row < first + count; ++next_repeat)
      block[next_repeat->row - first] += next_repeat->bonus;
    // No row of the block can enter the top k: once it is full, that is most blocks.
    if (!(kernels::max(block, count) > threshold)) continue;
    for (std::int32_t i = 0; i < count; ++i) {
      // Rows come in increasing order, so a later row never wins a tie: it must beat the worst
      // score kept (-inf until the heap is full) strictly.
      if (!(block[i] > threshold)) continue;
      const Entry e{block[i], first + i};
      if (!model_->recommendable(e.row) || std::binary_search(excluded_.begin(), excluded_.end(), e.row)) continue;
      if (heap.size() < k) {
        heap.push_back(e);
        std::push_heap(heap.begin(), heap.end(), worse);
      } else {
        std::pop_heap(heap.begin(), heap.end(), worse);
        heap.back() = e;
        std::push_heap(heap.begin(), heap.end(), worse);
      }
      if (heap.size() == k) threshold = heap.front().score;
    }
  }
  std::sort(heap.begin(), heap.end(), worse);
  for (std::size_t i = 0; i < heap.size(); ++i) {
    rows[i] = heap[i].row;
    scores[i] = heap[i].score;
  }
  return heap.size();
}

SessionState Session::state() const {
  SessionState st;
  st.h = h_;
  st.c = c_;
  st.profile = profile_;
  for (std::size_t i = 0; i < window_size_; ++i) st.window.push_back(recent(i));
  st.has_last = has_last_;
  st.last_time = last_time_;
  st.counters = counters_;
  st.unfolded = unfolded_;
  return st;
}

void Session::set_state(const SessionState& st) {
  h_ = st.h;
  c_ = st.c;
  window_start_ = 0;
  window_size_ = std::min(st.window.size(), window_.size());
  std::copy(st.window.end() - static_cast<std::ptrdiff_t>(window_size_), st.window.end(), window_.begin());
  has_last_ = st.has_last;
  last_time_ = st.last_time;
  counters_ = st.counters;
  unfolded_ = st.unfolded;
  set_profile(st.profile);
}

std::vector<std::uint8_t> Session::save_state() const { return write_state(*model_, state()); }

Status Session::restore_state(const std::uint8_t* data, std::size_t size, Replayed* replayed) {
  SessionState st;
  std::optional<std::vector<NamedEvent>> replay;
  Status s = read_state(*model_, data, size, &st, &replay);
  if (!s.ok()) return s;  // nothing changes unless the whole state is valid
  Replayed r;
  if (!replay) {
    set_state(st);
  } else {
    r.from_other_model = true;
    Session fresh(model_);
    fresh.set_profile(profile_);
    for (const NamedEvent& e : *replay) {
      const int type = model_->find_event_type(e.type);
      if (type < 0) {
        ++r.unknown_types;
        continue;
      }
      const std::int32_t row = model_->find_item(e.item);
      r.unknown_items += row < 0 ? 1 : 0;
      if (!(s = fresh.observe(row, type, e.time)).ok()) return s;  // times were checked: not reached
      ++r.events;
    }
    set_state(fresh.state());
  }
  if (replayed) *replayed = r;
  return {};
}

}  // namespace tandem
