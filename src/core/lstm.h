// The short-term cell: one LSTM step with all four gates (i, f, g, o) from a single mat-vec over
// [x; h], into buffers the caller owns, so a step allocates nothing.
#pragma once

#include "core/model.h"

namespace tandem {

// The LSTM input of one event: v_item + type_emb[type] + gap_emb[gap_bucket], into x[0..d).
void lstm_input(const Model& model, std::int32_t item, int type, int gap_bucket, float* x);

// z = W [x; h] + b; c = f*c + i*g; h = o*tanh(c). On entry xh[0..d) holds x (lstm_input writes it
// there); xh[d..2d) and z (4d) are scratch, so a step allocates nothing (the trainer keeps its own
// tape in src/train/sequence.h).
void lstm_step(const Model& model, float* xh, float* h, float* c, float* z);

}  // namespace tandem
