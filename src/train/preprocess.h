// Read rows -> Dataset: sorted per user by time, exact duplicates dropped, optionally k-core
// filtered, ids mapped to dense indices. See docs/data.md.
#pragma once

#include <cstddef>

#include "train/dataset.h"
#include "train/log_reader.h"

namespace tandem::train {

struct PreprocessOptions {
  // k-core filter, applied until nothing changes (dropping an item can push a user below the
  // minimum and back); 0 turns a side off.
  std::size_t min_user_events = 0;
  std::size_t min_item_count = 0;  // events with the item, over all users
};

// Users, items and categories keep their first-seen order among what survives; event types are
// kept whole. Adds duplicates and filtered counts to the report (may be null).
Dataset build_dataset(RawLog&& log, const PreprocessOptions& options, LogReport* report);

}  // namespace tandem::train
