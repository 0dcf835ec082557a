#include "core/model_format.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "core/bytes.h"
#include "core/envelope.h"
#include "core/hash.h"
#include "core/json_reader.h"
#include "core/selftest.h"

namespace tandem {

using json = nlohmann::json;

namespace {

// An envelope (envelope.h) whose payload starts with the header's size.
constexpr EnvelopeKind kModelFile{"model file", std::string_view("\x89TDM\r\n\x1a\n", 8), kModelFormatVersion};
constexpr std::size_t kPreamble = 16;
constexpr std::size_t kAlign = 64;

std::size_t align_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// hex64's inverse: exactly 16 lower-case hex digits into *out (when not null); false for anything else.
bool parse_hex64(std::string_view text, std::uint64_t* out) {
  if (text.size() != 16) return false;
  std::uint64_t value = 0;
  for (char c : text) {
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0) return false;
    value = value << 4 | static_cast<std::uint64_t>(digit);
  }
  if (out) *out = value;
  return true;
}

std::string hex_bytes(const std::uint8_t* p, std::size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; ++i) {
    if (i > 0) s += ' ';
    s += digits[p[i] >> 4];
    s += digits[p[i] & 15];
  }
  return s;
}

}  // namespace

const char* dtype_name(DType t) {
  return t == DType::f32 ? "f32" : t == DType::i8 ? "i8" : t == DType::i32 ? "i32" : "str";
}
std::size_t dtype_size(DType t) { return t == DType::f32 ? 4 : t == DType::i8 ? 1 : t == DType::i32 ? 4 : 0; }

std::size_t TensorRef::count() const {
  std::size_t c = 1;
  for (auto s : shape) c *= static_cast<std::size_t>(s);
  return c;
}

std::vector<TensorRef> tensor_list(ModelWeights& w, bool quantized, bool resize, bool item_table) {
  const TensorDims dims = tensor_dims(w);
  const std::int64_t n = dims.items, d = dims.d;
  std::vector<TensorRef> list;
  list.push_back({"item_ids", DType::str, {n}, &w.item_ids});
  if (quantized) {
    if (resize && item_table) w.item_vec_q.resize(n, d);
    if (resize) w.item_vec_scale.resize(n);
    list.push_back({"item_vec", DType::i8, {n, d}, item_table ? w.item_vec_q.data() : nullptr});
    list.push_back({"item_vec_scale", DType::f32, {n}, w.item_vec_scale.data()});
  } else {
    if (resize && item_table) w.item_vec.resize(n, d);
    list.push_back({"item_vec", DType::f32, {n, d}, item_table ? w.item_vec.data() : nullptr});
  }
  ItemCatalog& cat = w.catalog;
  const std::int64_t f = static_cast<std::int64_t>(cat.feature_count());
  if (resize) {
    cat.values.resize(static_cast<std::size_t>(n * f));
    cat.available.resize(static_cast<std::size_t>(n));
    w.feature_emb.resize(static_cast<std::size_t>(f));
    w.feature_bias.resize(static_cast<std::size_t>(f));
  }
  list.push_back({"item_features", DType::i32, {n, f}, cat.values.data()});
  list.push_back({"item_available", DType::i8, {n}, cat.available.data()});
  for (std::size_t k = 0; k < cat.feature_count(); ++k) {
    const std::int64_t rows = cat.features[k].rows();
    if (resize) w.feature_emb[k].resize(rows, d), w.feature_bias[k].resize(rows);
    const bool sized = k < w.feature_emb.size() && k < w.feature_bias.size();  // not before reading sizes them
    list.push_back({"feature_emb." + cat.features[k].name, DType::f32, {rows, d}, sized ? w.feature_emb[k].data() : nullptr});
    list.push_back({"feature_bias." + cat.features[k].name, DType::f32, {rows}, sized ? w.feature_bias[k].data() : nullptr});
  }
  for_each_tensor(w, [&](const TensorSpec& t, auto& m) {
    const std::int64_t rows = dims(t.rows), cols = dims(t.cols);
    if (resize) tensor_resize(m, rows, cols);
    list.push_back({t.name, DType::f32, t.is_vector() ? std::vector<std::int64_t>{rows} : std::vector<std::int64_t>{rows, cols},
                    tensor_values(m)});
  });
  return list;
}

namespace {

std::string shape_str(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

// How deep a header may nest its arrays and objects: the writer's go 4 deep. nlohmann's serializer
// recurses once per level (the metadata is dumped), so a header of a few kilobytes nested
// thousands deep would overflow the stack: a crash natively, "Maximum call stack size exceeded"
// thrown through the wasm in a browser.
constexpr int kMaxHeaderDepth = 64;

// Whether a JSON text nests deeper than `limit`, counting brackets outside strings; *at is where.
// Malformed text is left to the parser, which says where it is malformed.
bool nested_deeper_than(const char* text, std::size_t size, int limit, std::size_t* at) {
  int depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < size; ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) {
        *at = i;
        return true;
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

// Describes where a JSON text stops being valid, without exceptions.
struct JsonErrorFinder : json::json_sax_t {
  std::string message;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return true; }
  bool key(string_t&) override { return true; }
  bool end_object() override { return true; }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t position, const std::string& last_token, const nlohmann::detail::exception&) override {
    message = "near byte " + std::to_string(position) + " of the header (after '" + last_token.substr(0, 40) + "')";
    return false;
  }
};

bool parse_config(HeaderReader& r, const json& c, ModelConfig* out) {
  const std::string p = "config";
  std::int64_t v = 0;
  if (r.integer(c, "dim", p, 1, 4096, &v)) out->dim = static_cast<int>(v);
  r.strings(c, "event_types", p, &out->event_types);
  if (r.integer(c, "gap_buckets", p, 2, 64, &v)) out->gap_buckets = static_cast<int>(v);
  if (r.integer(c, "window", p, 1, 4096, &v)) out->window = static_cast<int>(v);
  if (r.integer(c, "repeat_buckets", p, 1, 64, &v)) out->repeat_buckets = static_cast<int>(v);
  r.number(c, "session_timeout_s", p, &out->session_timeout_s);
  r.number(c, "time_origin_s", p, &out->time_origin_s);
  std::string fusion;
  if (r.string(c, "fusion", p, &fusion) && !parse_fusion(fusion, &out->fusion))
    r.fail("config.fusion '" + fusion + "' is not one of gate, long, short");
  r.string(c, "purchase_event", p, &out->purchase_event);
  return !r.failed();
}

json config_json(const ModelConfig& c) {
  return json{{"dim", c.dim},
              {"event_types", c.event_types},
              {"gap_buckets", c.gap_buckets},
              {"window", c.window},
              {"repeat_buckets", c.repeat_buckets},
              {"session_timeout_s", c.session_timeout_s},
              {"time_origin_s", c.time_origin_s},
              {"fusion", fusion_name(c.fusion)},
              {"purchase_event", c.purchase_event}};
}

json features_json(const ItemCatalog& catalog) {
  json features = json::array();
  for (const Feature& ft : catalog.features) {
    json f{{"name", ft.name}, {"kind", feature_kind_name(ft.kind)}, {"values", ft.values}};
    if (ft.kind == FeatureKind::path) f["parents"] = ft.parent;
    features.push_back(std::move(f));
  }
  return features;
}

bool parse_features(HeaderReader& r, const json& features, std::vector<Feature>* out) {
  if (!features.is_array()) return r.fail("items.features must be an array"), false;
  for (std::size_t k = 0; !r.failed() && k < features.size(); ++k) {
    const json& fj = features[k];
    const std::string path = "items.features[" + std::to_string(k) + "]";
    Feature ft;
    std::string kind;
    r.string(fj, "name", path, &ft.name);
    if (r.string(fj, "kind", path, &kind) && !parse_feature_kind(kind, &ft.kind))
      r.fail(path + ".kind '" + kind + "' is not one of label, path, price, discount");
    r.strings(fj, "values", path, &ft.values);
    if (!r.failed() && ft.kind == FeatureKind::path) {
      const json* parents = r.field(fj, "parents", path);
      if (parents && !parents->is_array()) r.fail(path + ".parents must be an array of integers");
      for (std::size_t i = 0; parents && !r.failed() && i < parents->size(); ++i) {
        const json& p = (*parents)[i];
        if (!p.is_number_integer() || p.get<std::int64_t>() < -1 || p.get<std::int64_t>() >= static_cast<std::int64_t>(ft.values.size()))
          r.fail(path + ".parents[" + std::to_string(i) + "] must be an integer in -1.." + std::to_string(ft.values.size()));
        else
          ft.parent.push_back(p.get<std::int32_t>());
      }
    }
    if (!r.failed() && out->size() == kMaxFeatures) r.fail("items.features names more than " + std::to_string(kMaxFeatures) + " features");
    out->push_back(std::move(ft));
  }
  return !r.failed();
}

}  // namespace

Status split_strings(const std::uint8_t* bytes, std::size_t size, std::vector<std::string>* out) {
  const char* p = reinterpret_cast<const char*>(bytes);
  const char* end = p + size;
  for (std::size_t i = 0; i < out->size(); ++i) {
    const char* nul = static_cast<const char*>(std::memchr(p, 0, static_cast<std::size_t>(end - p)));
    if (!nul) {
      return Status::error("holds " + std::to_string(i) + " NUL-terminated strings, the shape says " +
                           std::to_string(out->size()));
    }
    (*out)[i].assign(p, nul);
    p = nul + 1;
  }
  if (p != end) {
    return Status::error(std::to_string(end - p) + " bytes after the last of its " + std::to_string(out->size()) +
                         " strings");
  }
  return {};
}

std::string model_config_json(const ModelConfig& config) { return config_json(config).dump(); }

std::string catalog_features_json(const ItemCatalog& catalog) { return features_json(catalog).dump(); }

Status parse_catalog_features_json(std::string_view text, std::vector<Feature>* out) {
  const json f = json::parse(text.begin(), text.end(), nullptr, false);
  if (f.is_discarded()) return Status::error("the item features must be JSON");
  HeaderReader r;
  std::vector<Feature> features;
  if (!parse_features(r, f, &features)) return Status::error(r.error());
  *out = std::move(features);
  return {};
}

Status parse_model_config_json(std::string_view text, ModelConfig* out) {
  const json c = json::parse(text.begin(), text.end(), nullptr, false);
  if (c.is_discarded() || !c.is_object()) return Status::error("the model configuration must be a JSON object");
  HeaderReader r;
  ModelConfig config;
  if (!parse_config(r, c, &config)) return Status::error(r.error());
  *out = std::move(config);
  return {};
}


std::vector<std::uint8_t> seal_model(std::uint32_t version, const std::string& header_json,
                                     const std::vector<std::uint8_t>& data) {
  std::vector<std::uint8_t> out;
  EnvelopeKind kind = kModelFile;
  kind.version = version;
  begin_envelope(kind, &out);
  out.reserve(align_up(kPreamble + header_json.size()) + data.size() + kEnvelopeChecksumSize);
  ByteWriter w(out);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(header_json.size()));
  w.bytes(header_json.data(), header_json.size());
  w.pad_to(kAlign);
  w.bytes(data.data(), data.size());
  seal_envelope(&out);
  return out;
}

bool unseal_model(const std::vector<std::uint8_t>& file, std::string* header_json, std::vector<std::uint8_t>* data) {
  if (file.size() < kPreamble + 8) return false;
  std::uint32_t header_size;
  std::memcpy(&header_size, file.data() + 12, 4);
  const std::size_t start = align_up(kPreamble + header_size);
  if (start + 8 > file.size()) return false;
  header_json->assign(reinterpret_cast<const char*>(file.data()) + kPreamble, header_size);
  data->assign(file.begin() + static_cast<std::ptrdiff_t>(start), file.end() - 8);
  return true;
}

Status write_model(const Model& model, const SelfTestSpec& selftest, std::vector<std::uint8_t>* out) {
  ModelWeights& w = const_cast<ModelWeights&>(model.weights());  // tensor_list only reads when resize is false
  json header;
  header["format"] = "tandem-model";
  header["version"] = kModelFormatVersion;
  header["config"] = config_json(w.config);
  header["items"] = json{{"count", w.item_ids.size()}, {"features", features_json(w.catalog)}};

  std::vector<std::uint8_t> data;
  json tensors = json::array();
  for (TensorRef t : tensor_list(w, model.quantized(), false, false)) {
    if (t.name == "item_vec") t.data = const_cast<void*>(model.item_rows());  // wherever the model reads them
    ByteWriter dw(data);
    dw.pad_to(kAlign);
    std::string strings;
    if (t.dtype == DType::str)
      for (const std::string& id : *static_cast<const std::vector<std::string>*>(t.data)) strings.append(id.c_str(), id.size() + 1);
    const std::size_t size = t.dtype == DType::str ? strings.size() : t.count() * dtype_size(t.dtype);
    tensors.push_back(json{{"name", t.name}, {"dtype", dtype_name(t.dtype)}, {"shape", t.shape},
                           {"offset", data.size()}, {"size", size}});
    dw.bytes(t.dtype == DType::str ? static_cast<const void*>(strings.data()) : t.data, size);
  }
  header["tensors"] = tensors;
  header["data_size"] = data.size();
  header["fingerprint"] = hex64(model.contents_fingerprint());  // after catalog changes, what the file holds
  if (model.whole_model() != 0) header["split"] = json{{"fingerprint", hex64(model.whole_model())}};
  json metadata = json::parse(w.metadata_json, nullptr, false);
  if (!metadata.is_object()) return Status::error("model metadata must be a JSON object");
  header["metadata"] = metadata;

  std::string selftest_block;
  Status s = selftest_json(model, selftest, &selftest_block);  // runs it: the scores this model gives
  if (!s.ok()) return s;
  header["selftest"] = json::parse(selftest_block.data(), selftest_block.data() + selftest_block.size());
  *out = seal_model(kModelFormatVersion, header.dump(), data);
  return {};
}

Status read_model(const std::uint8_t* bytes, std::size_t size, const ReadOptions& options, LoadedModel* out) {
  LoadedModel result;
  auto fail = [](std::string message) { return Status::error(std::move(message)); };
  if (size == 0) return fail("model file is empty (0 bytes)");
  if (size < kPreamble)
    return fail("model file is truncated: " + std::to_string(size) + " bytes, shorter than the 16-byte preamble");
  // The envelope's magic, version and (below, once the sizes are known) checksum, with messages
  // that say more than the generic ones: a model file is what a page downloads.
  const auto* magic = reinterpret_cast<const std::uint8_t*>(kModelFile.magic.data());
  if (std::memcmp(bytes, magic, kModelFile.magic.size()) != 0)
    return fail("not a tandem model file: bad magic bytes at offset 0 (found " + hex_bytes(bytes, 8) + ", expected " +
                hex_bytes(magic, 8) + ")");
  std::uint32_t version, header_size;
  std::memcpy(&version, bytes + 8, 4);
  std::memcpy(&header_size, bytes + 12, 4);
  if (version != kModelFormatVersion)
    return fail("unsupported model format version " + std::to_string(version) + " at offset 8 (this build reads version " +
                std::to_string(kModelFormatVersion) + ")");
  if (header_size > size - kPreamble)
    return fail("model file is truncated: the " + std::to_string(header_size) +
                "-byte header at offset 16 runs past the end of the file (" + std::to_string(size) + " bytes)");
  const char* text = reinterpret_cast<const char*>(bytes + kPreamble);
  std::size_t too_deep = 0;
  if (nested_deeper_than(text, header_size, kMaxHeaderDepth, &too_deep))
    return fail("model header JSON is nested deeper than " + std::to_string(kMaxHeaderDepth) + " levels (at byte " +
                std::to_string(too_deep) + " of the header)");
  json header = json::parse(text, text + header_size, nullptr, false);
  if (header.is_discarded()) {
    JsonErrorFinder finder;
    json::sax_parse(text, text + header_size, &finder);
    return fail("model header JSON is invalid " + finder.message);
  }
  result.header_json.assign(text, header_size);
  HeaderReader r;
  std::int64_t data_size = 0;
  if (!header.is_object()) return fail("model header must be a JSON object");
  r.integer(header, "data_size", "header", 0, static_cast<std::int64_t>(1) << 40, &data_size);
  if (r.failed()) return fail(r.error());
  const std::size_t data_start = align_up(kPreamble + header_size);
  // In 64 bits: a 32-bit size_t (wasm) would wrap a data_size near 2^32 and accept a header that lies.
  const std::uint64_t expected_size = data_start + static_cast<std::uint64_t>(data_size) + 8;
  if (size < expected_size)
    return fail("model file is truncated: " + std::to_string(size) + " bytes, the header describes " +
                std::to_string(expected_size) + " (data section of " + std::to_string(data_size) + " bytes at offset " +
                std::to_string(data_start) + ", then an 8-byte checksum)");
  if (size > expected_size)
    return fail("model file has " + std::to_string(size - expected_size) + " unexpected trailing bytes after offset " +
                std::to_string(expected_size));
  const EnvelopeChecksum sum = envelope_checksum(bytes, size);
  if (!sum.ok())
    return fail("model file checksum mismatch: stored " + hex64(sum.stored) + ", computed " + hex64(sum.computed) +
                " over bytes [0, " + std::to_string(size - kEnvelopeChecksumSize) + ") (the file is corrupt)");

  ModelWeights w;
  std::string format;
  if (r.string(header, "format", "header", &format) && format != "tandem-model")
    r.fail("header.format is '" + format + "', expected 'tandem-model'");
  const json* config = r.field(header, "config", "header");
  if (config) parse_config(r, *config, &w.config);
  const json* items = r.field(header, "items", "header");
  std::int64_t item_count = 0;
  if (items) {
    r.integer(*items, "count", "items", 0, std::numeric_limits<std::int32_t>::max(), &item_count);
    const json* features = r.field(*items, "features", "items");
    if (features) parse_features(r, *features, &w.catalog.features);
  }
  std::string fingerprint, whole;
  r.string(header, "fingerprint", "header", &fingerprint);
  if (header.contains("split")) {
    const json* split = r.field(header, "split", "header");
    if (split && r.string(*split, "fingerprint", "split", &whole) && !parse_hex64(whole, nullptr))
      r.fail("split.fingerprint must be 16 hex digits, got '" + whole + "'");
  }
  const json* metadata = r.field(header, "metadata", "header");
  if (metadata && !metadata->is_object()) r.fail("header.metadata must be a JSON object");
  const json* table = r.field(header, "tensors", "header");
  if (table && !table->is_array()) r.fail("header.tensors must be an array");
  if (r.failed()) return fail(r.error());
  if (item_count == 0) return fail("the model has no items (items.count is 0)");
  // Every id takes at least 2 bytes (non-empty, NUL): a count the data section cannot hold is
  // refused before the ids are sized by it (the tensors are checked against it below).
  if (item_count > data_size / 2)
    return fail("items.count = " + std::to_string(item_count) + " does not fit the " + std::to_string(data_size) +
                "-byte data section");
  w.item_ids.resize(static_cast<std::size_t>(item_count));
  w.metadata_json = metadata->dump();

  // The tensor table: every expected tensor exactly once, with the expected dtype and shape.
  bool quantized = false;
  for (const json& t : *table) {
    if (!t.is_object()) continue;
    auto name = t.find("name"), dtype = t.find("dtype");
    if (name != t.end() && dtype != t.end() && *name == "item_vec" && *dtype == "i8") quantized = true;
  }
  // The tensors' sizes follow from the dimensions alone. Dimensions whose tensors cannot fit the
  // data section are refused before anything is sized by them: a file of a few kilobytes must not
  // make the reader allocate gigabytes (or a browser's wasm memory grow until it aborts).
  std::uint64_t needed = 0;
  for (const TensorRef& t : tensor_list(w, quantized, false)) {
    std::uint64_t bytes = dtype_size(t.dtype);
    for (std::int64_t extent : t.shape) bytes *= static_cast<std::uint64_t>(extent);
    needed += bytes;
  }
  if (needed > static_cast<std::uint64_t>(data_size))
    return fail("model file is too small for its dimensions: the tensors of dim " + std::to_string(w.config.dim) +
                ", " + std::to_string(w.item_ids.size()) + " items and " +
                std::to_string(w.config.event_types.size()) + " event types take " + std::to_string(needed) +
                " bytes, the data section holds " + std::to_string(data_size));
  const bool in_place = options.in_place != nullptr;
  std::vector<TensorRef> expected = tensor_list(w, quantized, true, !in_place);
  ItemRows rows;  // the item table where it lies in `bytes`, when read in place
  std::vector<char> seen(expected.size(), 0);  // not vector<bool>: its code costs 1 KB of wasm
  const std::uint8_t* data = bytes + data_start;
  for (std::size_t i = 0; i < table->size(); ++i) {
    const json& t = (*table)[i];
    const std::string path = "tensors[" + std::to_string(i) + "]";
    std::string name, dtype;
    std::int64_t offset = 0, tsize = 0;
    r.string(t, "name", path, &name);
    r.string(t, "dtype", path, &dtype);
    r.integer(t, "offset", path, 0, static_cast<std::int64_t>(1) << 40, &offset);
    r.integer(t, "size", path, 0, static_cast<std::int64_t>(1) << 40, &tsize);
    const json* shape = r.field(t, "shape", path);
    if (r.failed()) return fail(r.error());
    std::size_t k = 0;
    while (k < expected.size() && expected[k].name != name) ++k;
    if (k == expected.size()) return fail("tensor '" + name + "' (" + path + ") is not part of format version " +
                  std::to_string(kModelFormatVersion));
    if (seen[k]) return fail("tensor '" + name + "' appears twice in the tensor table");
    seen[k] = true;
    TensorRef& e = expected[k];
    if (dtype != dtype_name(e.dtype))
      return fail("tensor " + name + ": dtype " + dtype + ", expected " + dtype_name(e.dtype));
    std::vector<std::int64_t> got_shape;
    bool shape_ok = shape->is_array();
    if (shape_ok) {
      for (const json& s : *shape) {
        if (!s.is_number_integer()) shape_ok = false;
        else got_shape.push_back(s.get<std::int64_t>());
      }
    }
    if (!shape_ok) return fail("tensor " + name + ": shape must be an array of integers");
    if (got_shape != e.shape)
      return fail("tensor " + name + ": shape " + shape_str(got_shape) + " does not match the dimensions (expected " +
                  shape_str(e.shape) + ")");
    const std::size_t want = e.dtype == DType::str ? static_cast<std::size_t>(tsize) : e.count() * dtype_size(e.dtype);
    if (static_cast<std::size_t>(tsize) != want)
      return fail("tensor " + name + ": size " + std::to_string(tsize) + " bytes, its shape needs " + std::to_string(want));
    if (offset % static_cast<std::int64_t>(kAlign) != 0)
      return fail("tensor " + name + ": offset " + std::to_string(offset) + " is not a multiple of 64");
    if (static_cast<std::uint64_t>(offset) + want > static_cast<std::uint64_t>(data_size))
      return fail("tensor " + name + ": offset " + std::to_string(offset) + " + size " + std::to_string(want) +
                  " runs past the end of the data section (" + std::to_string(data_size) + " bytes)");
    if (e.dtype == DType::str) {
      Status split = split_strings(data + offset, want, static_cast<std::vector<std::string>*>(e.data));
      if (!split.ok()) return fail("tensor " + name + ": " + split.message());
    } else if (in_place && name == "item_vec") {
      rows = {data + offset, quantized, options.in_place};
    } else if (want > 0) {  // an empty tensor (no item features) may have no storage at all
      std::memcpy(e.data, data + offset, want);
    }
  }
  for (std::size_t k = 0; k < expected.size(); ++k)
    if (!seen[k]) return fail("tensor " + expected[k].name + " is missing from the tensor table");

  std::shared_ptr<Model> model;
  if (Status s = Model::create(std::move(w), &model, std::move(rows)); !s.ok()) return fail("model rejected: " + s.message());
  if (fingerprint != model->fingerprint_hex())
    return fail("model fingerprint mismatch: header says " + fingerprint + ", the weights give " +
                model->fingerprint_hex());
  if (!whole.empty()) {
    std::uint64_t value = 0;
    parse_hex64(whole, &value);
    model->set_whole_model(value);
  }

  // The self-test is not the parser's: it runs the model (selftest.h) once it exists.
  if (options.verify_selftest) {
    Status verified = verify_selftest(*model, result.header_json);
    if (!verified.ok()) return fail(verified.message());
  }
  result.model = std::move(model);
  *out = std::move(result);
  return {};
}

}  // namespace tandem
