// An interaction log after preprocessing: what the trainer and the evaluator consume.
//
// Events are sorted by (user, time) stably and stored contiguously per user; items, categories,
// event types and users are mapped to dense indices, and the shop's own id strings are kept so
// the model file can carry them. Items a catalog lists without any event are rows too (they have
// no events: cold items).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/catalog.h"
#include "core/event.h"
#include "core/limits.h"

namespace tandem::train {

struct Dataset {
  std::vector<std::string> item_ids;            // row -> the shop's item id
  ItemCatalog catalog;                          // the items' features: the log's categories, a catalog file's
  std::vector<std::string> event_types;         // the log's behaviour names, e.g. view, cart, fav, purchase
  std::string purchase_event;                   // which of event_types is a purchase, "" none
  std::vector<std::string> user_ids;            // user index -> the log's user id
  std::vector<Event> events;                    // item row, event type index, time in seconds
  std::vector<std::size_t> user_offsets;        // user u owns events[user_offsets[u], user_offsets[u+1])
  bool has_timestamps = true;                   // false for sequence-only logs (times are positions)
  // The latest event time of the whole log, after preprocessing and before a shard kept its users
  // (run.h, DataOptions::shards): every shard splits and counts time from the same point.
  double latest_time = -kMaxTimeSeconds;

  std::size_t user_count() const { return user_offsets.empty() ? 0 : user_offsets.size() - 1; }
  std::size_t user_begin(std::size_t u) const { return user_offsets[u]; }
  std::size_t user_end(std::size_t u) const { return user_offsets[u + 1]; }
};

// One prediction to make: the event at `target` (an index into Dataset::events) from the events
// of the same user before it.
struct Case {
  std::uint32_t user;
  std::size_t target;
};

// Leave-one-out per user: the last event is the test case, the second-last the validation case;
// training uses every earlier next-event (targets before the validation one). Users with fewer
// than 3 events only train.
struct Split {
  std::vector<Case> train, validation, test;
};

}  // namespace tandem::train
