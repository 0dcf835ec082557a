// The short-term cell: one LSTM step with all four gates (i, f, g, o) from a single mat-vec over
// [x; h], into buffers the caller owns, so a step allocates nothing.
#pragma once

#include <cmath>

#include "core/model.h"

namespace tandem {

inline float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }

// The LSTM input of one event: v_item + type_emb[type] + gap_emb[gap_bucket], into x[0..d).
void lstm_input(const Model& model, std::int32_t item, int type, int gap_bucket, float* x);

// z = W [x; h] + b; c = f*c + i*g; h = o*tanh(c). `xh` (2d) and `z` (4d) are scratch; after the call
// z holds the activated gates i, f, g, o (the trainer keeps its own tape in src/train/sequence.h).
void lstm_step(const Model& model, const float* x, float* h, float* c, float* xh, float* z);

}  // namespace tandem
