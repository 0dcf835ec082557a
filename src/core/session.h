// A shopper's session: the mutable, per-browser half of the engine.
//
// It holds the LSTM state (short-term interest), the long-term profile it was given, a bounded
// window of recent events and counters, and reads the shared immutable Model. observe() allocates
// nothing; scoring reuses buffers that grow to the largest request once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "core/event.h"
#include "core/long_term.h"
#include "core/model.h"
#include "core/state_format.h"

namespace tandem {


// What recommend() leaves out besides the explicit list.
enum class Exclude {
  none,
  purchased,  // items of the model's purchase event type in the recent window
  seen,       // every item in the recent window
};

class Session {
 public:
  explicit Session(std::shared_ptr<const Model> model);

  const Model& model() const { return *model_; }

  // One event: `item` is a model row or -1 for an id the model does not know (counted, ignored).
  // `time` in seconds. A gap longer than the model's session timeout starts a new short-term
  // session (the LSTM state resets). `price` and `discount`: what the page showed the item at
  // (NaN: the catalog's; Model::price_change), for this event's input; the window keeps the row,
  // so folding and the repeat term use the catalog's item. Errors: a type out of range, a
  // non-finite time.
  Status observe(std::int32_t item, int type, double time, double price = std::numeric_limits<double>::quiet_NaN(),
                 double discount = std::numeric_limits<double>::quiet_NaN());

  // The shopper is back at `now` (seconds, the time of the request). When more than the session
  // timeout has passed since the last event, the visit has ended: the short-term state resets, as
  // the next event would reset it, and scores are the new visit's (the long-term profile and the
  // repeat term over the recent window, no LSTM state). Earlier times change nothing. *ended (if
  // given) says whether the state was reset. Errors: a non-finite time.
  Status resume_at(double now, bool* ended = nullptr);

  // The long-term profile, as d + 1 floats (see long_term.h). A session without one uses the
  // population prior (the encoder's output for an empty history).
  Status set_profile(const float* values, std::size_t count);
  void set_profile(const Profile& profile);
  void clear_profile();
  const Profile& profile() const { return profile_; }
  // Folds the recent events not folded before into the profile: the device's copy of the
  // long-term interest between server refreshes. Events older than the window are not kept.
  void fold_recent_events();

  // Forgets the short-term state, the window and the counters; keeps the profile.
  void reset();

  // Scores of candidate rows (-1: an unknown id, scored with the model's fallback item). prices and
  // discounts (count each, NaN: the catalog's; null: all the catalog's) score an item as the page
  // shows it now.
  void score(const std::int32_t* items, std::size_t count, float* out, const double* prices = nullptr,
             const double* discounts = nullptr);
  // What drove each candidate's score: long[i] = (g*p).v, short[i] = ((1-g)*h).v (the rest of
  // the score is the item bias and the repeat term). Unknown rows use the fallback item.
  void score_parts(const std::int32_t* items, std::size_t count, float* long_term, float* short_term);
  // Candidates sorted by score, best first, ties in input order (keep_order: in input order, the
  // control of an A/B holdout). Writes the first `top` entries (positions into `items`, their
  // scores and, when long_share is given, the long-term profile's share of what the interest
  // contributed, |long| / (|long| + |short|) of score_parts, 0.5 when both are 0) in one pass, and
  // returns how many were written.
  // prices and discounts as for score(); long_share uses the catalog's values.
  std::size_t rerank(const std::int32_t* items, std::size_t count, std::size_t top, std::int32_t* positions,
                     float* scores, float* long_share = nullptr, bool keep_order = false,
                     const double* prices = nullptr, const double* discounts = nullptr);
  // The k best rows of the whole catalog, best first (ties: lower row first), leaving out the
  // excluded ones and those the catalog does not list as available (Model::recommendable). Returns how many were written (< k when the catalog runs out).
  std::size_t recommend(std::size_t k, Exclude exclude, const std::int32_t* excluded, std::size_t excluded_count,
                        std::int32_t* rows, float* scores);

  // The fused interest u, and the mean of the gate g (the share of long-term interest, 0..1;
  // 1 for a long-term-only model, 0 for a short-term-only one).
  const Vector& interest();
  float gate_mean();

  const SessionCounters& counters() const { return counters_; }
  // The recent events, oldest first (at most the model's window).
  std::size_t recent_count() const { return window_size_; }
  const Event& recent(std::size_t i) const;  // 0 = oldest

  // The state a browser keeps between page loads (its bytes: state_format.h). set_state takes a
  // state read_state validated; restore_state changes nothing unless the whole blob is valid.
  // A state saved for another model (a retrain since) is replayed: this model observes the
  // state's recent events by name, as a fresh session that saw them would, and this session's
  // profile stays; *replayed says so and counts the events this model does not know.
  struct Replayed {
    bool from_other_model = false;
    std::size_t events = 0, unknown_items = 0, unknown_types = 0;
  };
  SessionState state() const;
  void set_state(const SessionState& state);
  std::vector<std::uint8_t> save_state() const;
  Status restore_state(const std::uint8_t* data, std::size_t size, Replayed* replayed = nullptr);

 private:
  void refresh();
  float repeat_bonus(std::int32_t row) const;
  void push_recent(const Event& e);

  std::shared_ptr<const Model> model_;
  int d_;
  Vector h_, c_;      // LSTM state
  Vector xh_, z_;     // observe() scratch
  Profile profile_;
  Vector p_;          // long-term interest from profile_
  Vector gate_;       // g
  Vector u_;          // fused interest
  Vector scratch_;    // 2d
  bool dirty_ = true, profile_dirty_ = true;

  std::vector<Event> window_;  // ring buffer, capacity = model window
  std::size_t window_start_ = 0, window_size_ = 0;
  std::uint64_t unfolded_ = 0;  // newest events of the window not folded into the profile yet
  bool has_last_ = false;
  double last_time_ = 0;
  SessionCounters counters_;

  // repeat bonuses of the rows in the window: open addressing, rebuilt by refresh()
  std::vector<std::int32_t> repeat_rows_;
  std::vector<float> repeat_values_;
  std::uint32_t repeat_mask_ = 0;

  struct Repeat {
    std::int32_t row;
    float bonus;
  };
  std::vector<Repeat> repeats_;  // the same, sorted by row, for recommend()
  ItemQuery query_;              // u_ for the item-table kernels

  std::vector<float> scores_;
  std::vector<std::int32_t> rows_;
  std::vector<std::int32_t> order_;
  std::vector<std::int32_t> excluded_;
};

}  // namespace tandem
