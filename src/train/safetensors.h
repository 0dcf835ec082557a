// Weights in and out in the safetensors format (the Hugging Face format PyTorch, JAX and others
// read and write), so a model can be trained elsewhere and shipped by tandem, or inspected there.
//
// A model is three files:
//   weights.safetensors  the tensors, named as in the model file: item_vec (F32 [N, d], or I8 with
//                        item_vec_scale F32 [N]), item_features (I32 [N, F], -1 none),
//                        item_available (I8 [N]), feature_emb.NAME (F32 [rows, d]) and
//                        feature_bias.NAME (F32 [rows]) per feature, and the roster of
//                        core/tensors.h (vectors as [n], lt_decay and cold_bias as [1] or a scalar []);
//   config.json          the model's configuration as the model file's header holds it (dim,
//                        event_types, gap_buckets, window, repeat_buckets, session_timeout_s,
//                        time_origin_s, fusion, purchase_event), plus "features": the item
//                        features as the model file's header lists them (items.features);
//   ids.txt              the N item ids, one per line, in row order.
// Importing validates the tensors against the configuration (names, dtypes, shapes, every byte
// accounted for) and then as any model is validated (Model::create): the roster is the one list.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"

namespace tandem::train {

struct SafetensorsModel {
  std::vector<std::uint8_t> weights;
  std::string config_json;
  std::string ids_text;
};

SafetensorsModel export_safetensors(const Model& model);

// The weights of a model from the three files; errors name the file and the tensor.
Status import_safetensors(const std::uint8_t* weights, std::size_t size, std::string_view config_json,
                          std::string_view ids_text, ModelWeights* out);

}  // namespace tandem::train
