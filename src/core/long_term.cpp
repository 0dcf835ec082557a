#include "core/long_term.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/kernels.h"
#include "core/rules.h"
#include "core/limits.h"

namespace tandem {

Status profile_from_vector(const Model& model, const float* values, std::size_t count, Profile* out) {
  const std::size_t want = profile_length(model);
  if (count != want) {
    return Status::error("profile has " + std::to_string(count) + " values, this model expects " +
                         std::to_string(want) + " (dim " + std::to_string(model.dim()) + " + 1)");
  }
  const int d = model.dim();
  const float limit = model.profile_limit();
  for (int k = 0; k < d; ++k) {
    if (!std::isfinite(values[k]))
      return Status::error("profile value " + std::to_string(k) + " is not a finite number");
    if (std::fabs(values[k]) > limit)
      return Status::error("profile value " + std::to_string(k) + " is out of range (" + format_number(values[k]) +
                           "; a profile of this model lies within +-" + format_number(limit) + ")");
  }
  const float log_mass = values[d];
  if (std::isnan(log_mass) || log_mass == std::numeric_limits<float>::infinity())
    return Status::error("profile value " + std::to_string(d) + " (log mass) must be finite or -Infinity");
  out->pooled = Eigen::Map<const Vector>(values, d);
  out->log_mass = log_mass;
  if (out->empty()) out->pooled.setZero();
  return {};
}

void profile_to_vector(const Profile& profile, float* out) {
  const Eigen::Index d = profile.pooled.size();
  Eigen::Map<Vector>(out, d) = profile.pooled;
  out[d] = profile.log_mass;
}

Profile empty_profile(const Model& model) {
  Profile p;
  p.pooled = Vector::Zero(model.dim());
  return p;
}

void fold_history(const Model& model, const Event* events, std::size_t count, Profile& profile) {
  const int d = model.dim();
  const ModelWeights& w = model.weights();
  const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(d));
  Vector r(d);
  for (std::size_t i = 0; i < count; ++i) {
    const Event& e = events[i];
    if (e.item < 0) continue;
    model.item_vector(e.item, r.data());
    r += w.lt_type_emb.row(e.type).transpose();
    // Times and weights are range-checked on the way in (core/limits.h): the logit is finite.
    const float recency = static_cast<float>(w.lt_decay * days_since_origin(e.time, w.config.time_origin_s));
    const float a = kernels::dot(r.data(), w.lt_query.data(), d) * inv_sqrt_d + recency;
    if (profile.empty()) {
      profile.pooled = r;
      profile.log_mass = a;
      continue;
    }
    // log-sum-exp merge of the old mass and the new event
    const float m = std::max(profile.log_mass, a);
    const float old_w = std::exp(profile.log_mass - m), new_w = std::exp(a - m);
    const float total = old_w + new_w;
    profile.pooled = (old_w / total) * profile.pooled + (new_w / total) * r;
    profile.log_mass = m + std::log(total);
  }
}

void long_term_interest(const Model& model, const Profile& profile, float* out, float* scratch) {
  const int d = model.dim();
  const ModelWeights& w = model.weights();
  kernels::matvec(w.mlp_w1.data(), d, d, profile.pooled.data(), scratch);
  for (int k = 0; k < d; ++k) scratch[k] = std::max(0.0f, scratch[k] + w.mlp_b1[k]);
  kernels::matvec(w.mlp_w2.data(), d, d, scratch, out);
  for (int k = 0; k < d; ++k) out[k] += w.mlp_b2[k];
}

}  // namespace tandem
