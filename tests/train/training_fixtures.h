// Small training data and options shared by the trainer's suites (test_training.cpp,
// test_distributed.cpp).
#pragma once

#include <string>

#include "core/random.h"
#include "train/dataset.h"
#include "train/trainer.h"

namespace tandem::train {

// A log where every shopper walks a cycle of 30 items (in 3 categories): the next item is fully
// predictable.
inline Dataset cycle_dataset(int users = 120) {
  Dataset d;
  for (int i = 0; i < 30; ++i) {
    d.item_ids.push_back("item-" + std::to_string(i));
    d.catalog.add_items(1);
    CatalogItem row;
    row.category = std::string(1, static_cast<char>('x' + i % 3));
    d.catalog.set(static_cast<std::size_t>(i), row, true);
  }
  d.event_types = {"view", "purchase"};
  d.purchase_event = "purchase";
  d.user_offsets.push_back(0);
  Rng rng(3);
  for (int u = 0; u < users; ++u) {
    d.user_ids.push_back("u" + std::to_string(u));
    const int start = static_cast<int>(rng.below(30)), len = 6 + static_cast<int>(rng.below(6));
    for (int k = 0; k < len; ++k) d.events.push_back(Event{(start + 7 * k) % 30, k % 5 == 4 ? 1 : 0, 1e6 + 60.0 * k});
    d.user_offsets.push_back(d.events.size());
  }
  return d;
}

inline TrainOptions tiny_options() {
  TrainOptions o;
  // In the cycle log the next item follows from the last one's id alone: ids only (the catalog
  // tests switch id dropout on).
  o.id_dropout = 0;
  o.dim = 8;
  o.epochs = 6;
  o.patience = 6;
  o.batch_size = 16;
  o.lr = 1e-2;
  o.dropout = 0.1f;
  return o;
}

}  // namespace tandem::train
