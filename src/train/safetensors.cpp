#include "train/safetensors.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/limits.h"
#include "core/model_format.h"

namespace tandem::train {

namespace {

using json = nlohmann::json;

// safetensors' dtype names for the model file's.
const char* safetensors_dtype(DType t) { return t == DType::f32 ? "F32" : t == DType::i8 ? "I8" : "I32"; }

// The model file's tensors without the ids (they travel as ids.txt).
std::vector<TensorRef> weight_tensors(ModelWeights& w, bool quantized, bool resize) {
  std::vector<TensorRef> list = tensor_list(w, quantized, resize);
  list.erase(std::remove_if(list.begin(), list.end(), [](const TensorRef& t) { return t.dtype == DType::str; }), list.end());
  return list;
}

}  // namespace

SafetensorsModel export_safetensors(const Model& model) {
  ModelWeights& w = const_cast<ModelWeights&>(model.weights());  // weight_tensors only reads when resize is false
  const std::vector<TensorRef> tensors = weight_tensors(w, model.quantized(), false);
  json header = json::object();
  header["__metadata__"] = json{{"format", "tandem"}, {"fingerprint", model.fingerprint_hex()}};
  std::size_t offset = 0;
  for (const TensorRef& t : tensors) {
    const std::size_t bytes = t.count() * dtype_size(t.dtype);
    header[t.name] = json{{"dtype", safetensors_dtype(t.dtype)}, {"shape", t.shape}, {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned, as the format recommends
  SafetensorsModel out;
  const std::uint64_t n = text.size();
  out.weights.resize(8 + text.size() + offset);
  std::memcpy(out.weights.data(), &n, 8);
  std::memcpy(out.weights.data() + 8, text.data(), text.size());
  std::uint8_t* data = out.weights.data() + 8 + text.size();
  for (const TensorRef& t : tensors) {
    const std::size_t bytes = t.count() * dtype_size(t.dtype);
    if (bytes > 0) std::memcpy(data, t.data, bytes);  // an empty tensor may have no storage
    data += bytes;
  }
  json config = json::parse(model_config_json(w.config));
  config["features"] = json::parse(catalog_features_json(w.catalog));
  out.config_json = config.dump(2) + "\n";
  for (const std::string& id : w.item_ids) out.ids_text += id + "\n";
  return out;
}

Status import_safetensors(const std::uint8_t* weights, std::size_t size, std::string_view config_json,
                          std::string_view ids_text, ModelWeights* out) {
  ModelWeights w;
  Status s = parse_model_config_json(config_json, &w.config);
  if (!s.ok()) return Status::error("config: " + s.message());
  const json config = json::parse(config_json.begin(), config_json.end(), nullptr, false);
  if (config.contains("features") && !(s = parse_catalog_features_json(config["features"].dump(), &w.catalog.features)).ok())
    return Status::error("config: " + s.message());
  for (std::size_t pos = 0; pos < ids_text.size();) {
    std::size_t end = std::min(ids_text.find('\n', pos), ids_text.size());
    std::string_view id = ids_text.substr(pos, end - pos);
    if (!id.empty() && id.back() == '\r') id.remove_suffix(1);
    if (const char* problem = id_problem(id))
      return Status::error("ids: line " + std::to_string(w.item_ids.size() + 1) + ": the item id " + problem);
    w.item_ids.emplace_back(id);
    pos = end + 1;
  }

  if (size < 8) return Status::error("weights: truncated (" + std::to_string(size) + " bytes)");
  std::uint64_t header_size = 0;
  std::memcpy(&header_size, weights, 8);
  if (header_size > size - 8) return Status::error("weights: the " + std::to_string(header_size) + "-byte header runs past the end");
  const char* text = reinterpret_cast<const char*>(weights + 8);
  const json header = json::parse(text, text + header_size, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return Status::error("weights: the header is not a JSON object");
  const std::uint8_t* data = weights + 8 + header_size;
  const std::uint64_t data_size = size - 8 - header_size;

  bool quantized = false;
  if (header.contains("item_vec") && header["item_vec"].is_object() && header["item_vec"].contains("dtype"))
    quantized = header["item_vec"]["dtype"] == "I8";
  std::vector<TensorRef> expected = weight_tensors(w, quantized, true);
  std::uint64_t covered = 0;
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    auto e = std::find_if(expected.begin(), expected.end(), [&](const TensorRef& t) { return t.name == it.key(); });
    const std::string what = "weights: tensor " + quote_value(it.key());
    if (e == expected.end()) return Status::error(what + " is not part of a tandem model");
    const json& t = it.value();
    if (!t.is_object() || !t.contains("dtype") || !t.contains("shape") || !t.contains("data_offsets") ||
        !t["dtype"].is_string() || !t["shape"].is_array() || !t["data_offsets"].is_array() || t["data_offsets"].size() != 2 ||
        !t["data_offsets"][0].is_number_unsigned() || !t["data_offsets"][1].is_number_unsigned())
      return Status::error(what + " needs dtype, shape and data_offsets [begin, end]");
    if (t["dtype"] != safetensors_dtype(e->dtype))
      return Status::error(what + " is " + t["dtype"].get<std::string>() + ", expected " + safetensors_dtype(e->dtype));
    std::vector<std::int64_t> shape;
    for (const json& x : t["shape"]) {
      if (!x.is_number_integer()) return Status::error(what + ": the shape must be integers");
      shape.push_back(x.get<std::int64_t>());
    }
    // A one-element tensor may be a scalar ([]) or [1]: PyTorch writes both.
    const bool scalar_ok = shape.empty() && e->count() == 1;
    if (shape != e->shape && !scalar_ok) {
      std::string got, want;
      for (auto x : shape) got += (got.empty() ? "" : ", ") + std::to_string(x);
      for (auto x : e->shape) want += (want.empty() ? "" : ", ") + std::to_string(x);
      return Status::error(what + " has shape [" + got + "], the configuration and " + std::to_string(w.item_ids.size()) +
                           " ids give [" + want + "]");
    }
    const std::uint64_t begin = t["data_offsets"][0], end = t["data_offsets"][1];
    const std::uint64_t bytes = e->count() * dtype_size(e->dtype);
    if (begin > end || end > data_size || end - begin != bytes)
      return Status::error(what + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                           "] do not hold its " + std::to_string(bytes) + " bytes within the " + std::to_string(data_size) +
                           "-byte data");
    if (bytes > 0) std::memcpy(e->data, data + begin, bytes);
    covered += bytes;
    e->name.clear();  // found: a second entry of the same name is then unknown
  }
  for (const TensorRef& e : expected)
    if (!e.name.empty()) return Status::error("weights: tensor " + e.name + " is missing");
  if (covered != data_size)
    return Status::error("weights: the tensors hold " + std::to_string(covered) + " bytes of the " + std::to_string(data_size) +
                         "-byte data (overlapping or unused bytes)");
  *out = std::move(w);
  return {};
}

}  // namespace tandem::train
