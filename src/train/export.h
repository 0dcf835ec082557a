// From a trained model to the bytes that ship: the model file with a self-test from a real shopper,
// and the shoppers' long-term profiles. The CLI writes them; the pipeline fuzz target reads them
// back, so both go through this one path.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/model.h"
#include "core/model_format.h"
#include "train/dataset.h"

namespace tandem::train {

// The model file's self-test from a real shopper: their recent events, their profile from the
// history before them, the items they saw and a few others.
SelfTestSpec real_selftest(const Model& model, const Dataset& data);

// How the exported item table is stored. `by_size`: int8 (per-row scales) from kInt8FromItems items
// on, float32 below. A float32 table of 100,000 items at d = 64 is 25.6 MB for every page to
// download, int8 a quarter of it, and the top 10 keep 9.96 of 10 items on average
// (bench/README.md, "The speed targets").
enum class ItemTableType { by_size, float32, int8 };
constexpr std::size_t kInt8FromItems = 100000;
bool exports_int8(ItemTableType type, std::size_t items);

// The model file of `trained` with `metadata_json` and its item table stored as `table` says:
// *model is the model exactly as the file holds it, *bytes the file.
Status export_model(const Model& trained, const Dataset& data, std::string metadata_json, ItemTableType table,
                    std::shared_ptr<const Model>* model, std::vector<std::uint8_t>* bytes);

// A file name for a shop's user id: letters, digits, '-', '_' and '.' kept, every other byte as
// %XX. Names stay within 200 bytes (file systems allow 255): a longer one keeps its first 160
// bytes and adds '~' and the id's XXH64 in hex, so distinct ids keep distinct names.
std::string profile_file_name(const std::string& user_id);

}  // namespace tandem::train
