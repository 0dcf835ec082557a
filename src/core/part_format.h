// A catalog part: trained item rows shipped apart from the model file, so that a catalog larger
// than a page can download arrives in pieces the page loads when it needs them
// (docs/model-format.md, "Catalog parts"; `tandem split` writes them, Model::add_part adds them).
// The envelope of every tandem file (core/envelope.h), magic "TNDI", version 1; its payload,
// little-endian:
//
//   u64        the fingerprint of the model it belongs to (Model::fingerprint)
//   u32        d, the model's dimension
//   u32        F, its number of item features
//   u32        N, the part's items
//   u32        item table dtype: 0 float32, 1 int8
//   u32, ...   the part's name: its byte length, then UTF-8
//   u32, ...   the item ids: their byte length, then N NUL-terminated UTF-8 strings back to back
//   N x d      item vectors, f32 or i8 (row-major)
//   N f32      int8 only: each row's scale (value = int8 x scale)
//   N f32      item biases
//   N x F i32  each item's value of each feature (an index into the model's values, -1 none)
//   N u8       available (1) or never recommended (0)
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/model.h"

namespace tandem {

constexpr std::uint32_t kPartFormatVersion = 1;

// What a part file takes: its fixed bytes (envelope, fields, the name of `name_bytes`, the ids'
// length), and per item its row (vector, scale, bias, feature values, availability) plus its id
// and NUL.
constexpr std::size_t part_fixed_bytes(std::size_t name_bytes) { return 4 + 4 + 8 + 5 * 4 + name_bytes + 4 + 8; }
constexpr std::size_t part_row_bytes(std::size_t dim, std::size_t features, bool int8) {
  return dim * (int8 ? 1 : 4) + (int8 ? 4 : 0) + 4 + 4 * features + 1;
}

// `part` as a part file of `model` (its fingerprint, dimension and features; the part's values
// index the model's feature values).
std::vector<std::uint8_t> write_part(const Model& model, const ItemPart& part);

// The part a file holds, checked against `model` (fingerprint, dimension, features, every size);
// the rows' values are checked when they are added (Model::add_part). *out is written only on
// success. Messages begin "catalog part: ".
Status read_part(const Model& model, const std::uint8_t* data, std::size_t size, ItemPart* out);

}  // namespace tandem
