// The tandem model file, format version 2: one self-describing binary (docs/model-format.md).
//
//   offset  size  what
//   0       8     magic: 0x89 'T' 'D' 'M' 0x0D 0x0A 0x1A 0x0A (catches text-mode mangling, like PNG)
//   8       4     format version, uint32 little-endian (2)
//   12      4     header size H in bytes, uint32
//   16      H     header: UTF-8 JSON object (see below)
//   ...           zero padding to a multiple of 64: the data section starts at D = align64(16 + H)
//   D       S     data section of S = header.data_size bytes; tensor t lives at D + t.offset
//                 (a multiple of 64), little-endian, row-major
//   D+S     8     checksum: XXH64 (seed 0) of bytes [0, D + S), uint64
//
// Header keys: "format" ("tandem-model"), "version" (2), "config" {dim, event_types, gap_buckets,
// window, repeat_buckets, session_timeout_s, time_origin_s, fusion, purchase_event}, "items"
// {"count": N, "categories": [...]}, "tensors" [{name, dtype ("f32"|"i8"|"i32"|"str"), shape,
// offset, size}] (the item ids are the tensor "item_ids", dtype "str": N NUL-terminated UTF-8
// strings back to back, so a large catalog loads without parsing its ids as JSON), "data_size", "fingerprint" (16 hex digits, Model::fingerprint), "metadata"
// (free-form object: training data, metrics, ...), "selftest" {events [{item, type, time}],
// profile (d + 1 numbers or null), candidates [ids], scores [expected], tolerance}.
//
// The reader takes bytes, never a path: the CLI reads files, the browser fetches. It checks, in
// this order, and reports the first failure with where it is: size and magic, version, header
// bounds, header JSON, total size against data_size (truncation or trailing bytes), checksum,
// config values, the tensor table (names, dtypes, shapes against the dimensions, offsets inside
// the data section), items, then the weights themselves (finite values, unique ids), the
// fingerprint, and, on request, the self-test. Nothing is half-loaded: a Model exists only when
// every check passed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model.h"
#include "core/selftest.h"

namespace tandem {

constexpr std::uint32_t kModelFormatVersion = 3;

// Writes a model file with a self-test (selftest.h): its inputs, and the scores this model gives
// them, which a reader checks again (ReadOptions::verify_selftest).
Status write_model(const Model& model, const SelfTestSpec& selftest, std::vector<std::uint8_t>* out);

// The tensors a model file stores, in file order: the item ids (str: `shape[0]` NUL-terminated
// UTF-8 strings back to back, so reading them is one pass over bytes rather than a JSON parse of a
// catalog-sized array), the item table, the item categories, then the roster of core/tensors.h.
enum class DType { f32, i8, i32, str };
const char* dtype_name(DType t);
std::size_t dtype_size(DType t);  // 0 for str
struct TensorRef {
  std::string name;
  DType dtype;
  std::vector<std::int64_t> shape;
  void* data;  // where the values live in ModelWeights (a std::vector<std::string> for str)
  std::size_t count() const;
};
// `resize`: size the weights' storage for their dimensions first (reading); else only point at it.
// `item_table` false: the item table's storage is neither sized nor pointed at (rows read in place).
std::vector<TensorRef> tensor_list(ModelWeights& weights, bool quantized, bool resize, bool item_table = true);

// Fills all of *out (already sized) from `size` bytes of NUL-terminated UTF-8 strings back to back,
// exactly out->size() of them: the string tables of the model file (item_ids) and of catalog parts
// (core/part_format.h). Errors: "holds 2 NUL-terminated strings, the shape says 3", "9 bytes after
// the last of its 3 strings".
Status split_strings(const std::uint8_t* bytes, std::size_t size, std::vector<std::string>* out);

// The model's configuration as the file's header holds it ({"dim": 64, "event_types": [...], ...}),
// and back: what safetensors exports and imports carry beside the weights (train/safetensors.h).
std::string model_config_json(const ModelConfig& config);
Status parse_model_config_json(std::string_view text, ModelConfig* out);

// The item features (names, kinds, vocabularies; core/catalog.h) as the file's header holds them
// (items.features: [{"name", "kind", "values", "parents"}]), and back (for the safetensors export).
std::string catalog_features_json(const ItemCatalog& catalog);
Status parse_catalog_features_json(std::string_view text, std::vector<Feature>* out);

struct ReadOptions {
  bool verify_selftest = false;
  // When set, it must hold the bytes being read: the model then reads its item table where it lies
  // in them, kept alive by this (ItemRows), instead of copying it. The page's load does so.
  std::shared_ptr<const void> in_place;
};

struct LoadedModel {
  std::shared_ptr<Model> model;  // its owner may change its catalog (Model::update_items)
  std::string header_json;  // the header as stored (for inspection)
};

// The model a file holds, or what is wrong with it and where; *out is written only on success.
Status read_model(const std::uint8_t* data, std::size_t size, const ReadOptions& options, LoadedModel* out);

// Re-seals edited parts into a file: the preamble, the padding and the checksum around a header and
// a data section. The writer uses it; tests use it to build deliberately broken files.
std::vector<std::uint8_t> seal_model(std::uint32_t version, const std::string& header_json,
                                     const std::vector<std::uint8_t>& data);
// The inverse split, without any validation beyond the preamble (for tests and tools).
bool unseal_model(const std::vector<std::uint8_t>& file, std::string* header_json, std::vector<std::uint8_t>* data);

}  // namespace tandem
