// An index of strings by value (item ids, feature values): open addressing over XXH64, holding
// rows only; the strings stay in the caller's table. Rows are indexed in order, 0, 1, 2, ...: what
// the model's ids and a feature's vocabulary both are.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/hash.h"

namespace tandem {

class IdIndex {
 public:
  // The row of `key` in names (whose rows 0..size() are indexed), or -1. No allocation.
  template <class Names>
  std::int32_t find(std::string_view key, const Names& names) const {
    if (slots_.empty()) return -1;
    for (std::uint64_t i = xxh64(key.data(), key.size()) & mask_;; i = (i + 1) & mask_) {
      const std::int32_t row = slots_[i];
      if (row < 0) return -1;
      if (std::string_view(names[static_cast<std::size_t>(row)]) == key) return row;
    }
  }
  // Indexes the next row, names[size()] (not a duplicate: callers find() first), keeping the slots
  // at most half full.
  template <class Names>
  void add(const Names& names) {
    if (2 * (count_ + 1) > slots_.size()) {
      std::size_t cap = 16;
      while (cap < 2 * (count_ + 1)) cap <<= 1;
      slots_.assign(cap, -1);
      mask_ = cap - 1;
      for (std::size_t row = 0; row < count_; ++row) place(static_cast<std::int32_t>(row), names);
    }
    place(static_cast<std::int32_t>(count_++), names);
  }
  std::size_t size() const { return count_; }
  void clear() {
    slots_.clear();
    count_ = 0;
  }

 private:
  template <class Names>
  void place(std::int32_t row, const Names& names) {
    const std::string_view key(names[static_cast<std::size_t>(row)]);
    std::uint64_t i = xxh64(key.data(), key.size()) & mask_;
    while (slots_[i] >= 0) i = (i + 1) & mask_;
    slots_[i] = row;
  }

  std::vector<std::int32_t> slots_;  // row or -1
  std::uint64_t mask_ = 0;
  std::size_t count_ = 0;
};

}  // namespace tandem
