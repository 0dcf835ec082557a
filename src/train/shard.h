// Shards of a log's shoppers, for training over MPI ranks (docs/data.md, "Shards"): a shopper
// belongs to one shard by a hash of their id, so every rank finds the same partition on its own.
#pragma once

#include <cstdint>
#include <string_view>

#include "train/dataset.h"

namespace tandem::train {

// XXH64 (seed 0, core/hash.h) of the id's bytes, modulo shards.
std::uint32_t user_shard(std::string_view user_id, std::uint32_t shards);

// Keeps the users of `shard` (of `shards`) and their events, in order. Items, catalog, event types
// and latest_time stay as they are: the same on every shard.
void keep_shard(Dataset* data, std::uint32_t shard, std::uint32_t shards);

}  // namespace tandem::train
