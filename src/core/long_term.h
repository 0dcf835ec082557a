// The long-term encoder: a shopper's whole history pooled into a profile.
//
// Each history event k is represented as r_k = v_item + lt_type_emb[type] and scored by
//   a_k = lt_query . r_k / sqrt(d) + lt_decay * (t_k - time_origin) / 86400,
// the pooled vector is the softmax(a)-weighted mean of the r_k, and the long-term interest is
// p = W2 relu(W1 pooled + b1) + b2.
// Because the recency term is linear in t_k, the softmax over the history is the same whatever
// "now" is, so the pooling is an associative running log-sum-exp: a Profile keeps (pooled,
// log_mass = log sum exp a_k) and new events fold into it exactly, without the old history. That
// is what lets the device fold a finished session into its copy of the profile.
#pragma once

#include <cstddef>
#include <limits>

#include "core/event.h"
#include "core/model.h"

namespace tandem {

struct Profile {
  Vector pooled;  // d
  float log_mass = -std::numeric_limits<float>::infinity();  // -inf: no history
  bool empty() const { return !(log_mass > -std::numeric_limits<float>::infinity()); }
};

// A profile as pages and files pass it: [pooled_0 .. pooled_{d-1}, log_mass], d + 1 floats.
inline std::size_t profile_length(const Model& model) { return static_cast<std::size_t>(model.dim()) + 1; }
Status profile_from_vector(const Model& model, const float* values, std::size_t count, Profile* out);
void profile_to_vector(const Profile& profile, float* out);

Profile empty_profile(const Model& model);
// Folds events (unknown items, row -1, are skipped) into the profile.
void fold_history(const Model& model, const Event* events, std::size_t count, Profile& profile);
inline Profile encode_history(const Model& model, const Event* events, std::size_t count) {
  Profile p = empty_profile(model);
  fold_history(model, events, count, p);
  return p;
}

// p = W2 relu(W1 pooled + b1) + b2, into out[0..d); `scratch` holds d floats.
void long_term_interest(const Model& model, const Profile& profile, float* out, float* scratch);

}  // namespace tandem
