// The checks a Model's validation applies to its tensors and ids, shared by model.cpp and
// model_catalog.cpp. Core-internal.
#pragma once

#include <string>

#include "core/limits.h"
#include "core/model.h"

namespace tandem::checks {

std::string shape_str(Eigen::Index rows, Eigen::Index cols);

template <class M>
Status check_shape(const char* name, const M& m, Eigen::Index rows, Eigen::Index cols) {
  if (m.rows() != rows || m.cols() != cols) {
    return Status::error(std::string("tensor ") + name + ": shape " + shape_str(m.rows(), m.cols()) +
                         " does not match the dimensions (expected " + shape_str(rows, cols) + ")");
  }
  return {};
}

Status check_len(const char* name, const Vector& v, Eigen::Index n);

// Every weight finite and within kMaxWeight (limit: the bound for this tensor), so that no
// accepted model can overflow on the way to a score (core/limits.h).
Status check_values(const char* name, const float* data, Eigen::Index count, Eigen::Index cols, float limit = kMaxWeight);

template <class M>
Status check_values(const char* name, const M& m, float limit = kMaxWeight) {
  return check_values(name, m.data(), m.size(), m.cols(), limit);
}

// An id of the model (item, category, event type) as core/limits.h allows them.
Status check_id(const std::string& id, const std::string& what);

}  // namespace tandem::checks
