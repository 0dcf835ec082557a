// Which events are predicted for training, validation and testing (Case and Split are in
// dataset.h). Cases are listed by user, then by position.
#pragma once

#include "train/dataset.h"

namespace tandem::train {

// Per user: the last event is the test case, the second-last the validation case, and every
// earlier event but the first a training target. Users with fewer than 3 events only train.
Split leave_one_out(const Dataset& data);

// For session logs (a user is a session): sessions starting at or after cutoff_time are test
// sessions; of those starting before it, the latest-starting tenth (rounded down; ties by
// first-seen order) are validation sessions, the rest train. Every event of a session but the
// first is a case of its session's part.
Split time_split(const Dataset& data, double cutoff_time);

// The same with the test sessions given (a published split's test file): test_user[u] says whether
// user u is a test session; of the others, the latest-starting tenth validate.
Split session_split(const Dataset& data, const std::vector<bool>& test_user);

}  // namespace tandem::train
