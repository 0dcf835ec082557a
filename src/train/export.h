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

// The model file of `trained` with `metadata_json` (int8: its item table quantized): *model is the
// model exactly as the file holds it, *bytes the file.
Status export_model(const Model& trained, const Dataset& data, std::string metadata_json, bool int8,
                    std::shared_ptr<const Model>* model, std::vector<std::uint8_t>* bytes);

// A file name for a shop's user id: letters, digits, '-', '_' and '.' kept, every other byte as
// %XX. Names stay within 200 bytes (file systems allow 255): a longer one keeps its first 160
// bytes and adds '~' and the id's XXH64 in hex, so distinct ids keep distinct names.
std::string profile_file_name(const std::string& user_id);

}  // namespace tandem::train
