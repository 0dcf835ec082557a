#include "train/shard.h"

#include "core/hash.h"

namespace tandem::train {

std::uint32_t user_shard(std::string_view user_id, std::uint32_t shards) {
  return static_cast<std::uint32_t>(xxh64(user_id.data(), user_id.size()) % shards);
}

void keep_shard(Dataset* data, std::uint32_t shard, std::uint32_t shards) {
  Dataset& d = *data;
  std::size_t users = 0, events = 0, begin = 0;  // begin: user u's first event, read before it is overwritten
  for (std::size_t u = 0; u < d.user_count(); ++u) {
    const std::size_t end = d.user_end(u);
    if (user_shard(d.user_ids[u], shards) == shard) {
      if (users != u) d.user_ids[users] = std::move(d.user_ids[u]);  // a string moved onto itself is left empty
      ++users;
      for (std::size_t i = begin; i < end; ++i) d.events[events++] = d.events[i];
      d.user_offsets[users] = events;
    }
    begin = end;
  }
  d.user_ids.resize(users);
  d.user_offsets.resize(users + 1);
  d.events.resize(events);
}

}  // namespace tandem::train
