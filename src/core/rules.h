// The rules that turn an event's time and position into the model's inputs, written once for the
// session (core) and the trainer's forward pass (train/sequence.cpp), which must agree exactly.
#pragma once

#include <cstddef>

#include "core/model.h"

namespace tandem {

// A gap strictly longer than the session timeout ends the visit: the next event starts a new
// short-term session, and a ranking asked for after it is a new visit's.
inline bool visit_ended(double gap_s, double session_timeout_s) { return gap_s > session_timeout_s; }

// The gap embedding row of an event: 0 for the first event of a visit, else 1 + the log2 bucket
// of the seconds since the previous event.
inline int gap_bucket(bool first_of_visit, double gap_s, int gap_buckets) {
  return first_of_visit ? 0 : 1 + log2_bucket(gap_s, gap_buckets - 1);
}

// The repeat bucket of a window event `rank` events before the newest (0: the newest itself).
inline int repeat_bucket(std::size_t rank, int repeat_buckets) {
  return log2_bucket(static_cast<double>(rank), repeat_buckets);
}

// Days from the model's time origin, the unit of the long-term recency term lt_decay * days. Times
// lie within ±8.64e12 s (core/limits.h), so the term stays far inside float range.
inline double days_since_origin(double time_s, double time_origin_s) { return (time_s - time_origin_s) / 86400.0; }

}  // namespace tandem
