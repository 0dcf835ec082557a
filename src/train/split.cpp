// Leave-one-out and time-based splits.
#include "train/split.h"

#include <algorithm>

namespace tandem::train {

namespace {

// Cases for targets [first, last) of user u.
void add_cases(std::vector<Case>* cases, std::size_t u, std::size_t first, std::size_t last) {
  for (std::size_t p = first; p < last; ++p) cases->push_back({static_cast<std::uint32_t>(u), p});
}

}  // namespace

Split leave_one_out(const Dataset& data) {
  Split split;
  for (std::size_t u = 0; u < data.user_count(); ++u) {
    const std::size_t begin = data.user_begin(u), end = data.user_end(u);
    if (end - begin < 3) {
      add_cases(&split.train, u, begin + 1, end);
      continue;
    }
    add_cases(&split.train, u, begin + 1, end - 2);
    split.validation.push_back({static_cast<std::uint32_t>(u), end - 2});
    split.test.push_back({static_cast<std::uint32_t>(u), end - 1});
  }
  return split;
}

Split time_split(const Dataset& data, double cutoff_time) {
  std::vector<bool> test(data.user_count(), false);
  for (std::size_t u = 0; u < data.user_count(); ++u)
    test[u] = data.user_end(u) > data.user_begin(u) && data.events[data.user_begin(u)].time >= cutoff_time;
  return session_split(data, test);
}

Split session_split(const Dataset& data, const std::vector<bool>& test_user) {
  enum Part { train, validation, test };
  const std::size_t users = data.user_count();
  std::vector<Part> part(users, train);
  std::vector<std::size_t> others;
  for (std::size_t u = 0; u < users; ++u) {
    if (data.user_end(u) == data.user_begin(u)) continue;
    if (test_user[u])
      part[u] = test;
    else
      others.push_back(u);
  }
  auto start = [&](std::size_t u) { return data.events[data.user_begin(u)].time; };
  std::stable_sort(others.begin(), others.end(), [&](std::size_t a, std::size_t b) { return start(a) < start(b); });
  for (std::size_t k = others.size() - others.size() / 10; k < others.size(); ++k) part[others[k]] = validation;

  Split split;
  for (std::size_t u = 0; u < users; ++u) {
    std::vector<Case>* cases = part[u] == test ? &split.test
                               : part[u] == validation ? &split.validation
                                                       : &split.train;
    add_cases(cases, u, data.user_begin(u) + 1, data.user_end(u));
  }
  return split;
}

}  // namespace tandem::train
