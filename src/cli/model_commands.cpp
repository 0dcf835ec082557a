// tandem fixture | inspect | export | import | catalog | split | score: model files without training.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <numeric>

#include "cli/commands.h"
#include "cli/options.h"
#include "core/model_format.h"
#include "core/part_format.h"
#include "core/profile_format.h"
#include "core/hash.h"
#include "core/limits.h"
#include "core/session.h"
#include "train/files.h"
#include "train/log_reader.h"
#include "train/safetensors.h"

namespace tandem::cli {

using json = nlohmann::json;
using train::load_model_file;
using train::read_file;
using train::write_file_atomic;

// Parses `command`'s options; prints its help and returns 0 for --help, 1 for an error, -1 to go on.
int parse_or_help(Command& command, int argc, char** argv, std::vector<std::string>* positional) {
  bool help = false;
  Status s = command.parse(argc, argv, positional, &help);
  if (help) return std::fputs(command.help_text().c_str(), stdout), 0;
  if (!s.ok()) return fail(s.message());
  return -1;
}

namespace {

// A model file's bytes (its self-test computed from the model itself).
Status model_bytes(const Model& model, std::vector<std::uint8_t>* out) { return write_model(model, default_selftest(model), out); }

// Writes `model` as a model file and says so.
int write_model_file(const Model& model, const std::string& out) {
  std::vector<std::uint8_t> bytes;
  Status s = model_bytes(model, &bytes);
  if (s.ok()) s = write_file_atomic(out, bytes.data(), bytes.size());
  if (!s.ok()) return fail(s.message());
  std::printf("wrote %s: %d items, dim %d, %s item table, %zu bytes, fingerprint %s\n", out.c_str(), model.item_count(),
              model.dim(), model.quantized() ? "int8" : "float32", bytes.size(), model.fingerprint_hex().c_str());
  return 0;
}

// W.safetensors -> W.config.json, W.ids.txt
std::string beside(const std::string& weights, const std::string& suffix) {
  const std::string stem = weights.size() > 12 && weights.compare(weights.size() - 12, 12, ".safetensors") == 0
                               ? weights.substr(0, weights.size() - 12)
                               : weights;
  return stem + suffix;
}

}  // namespace

int fixture_command(int argc, char** argv) {
  std::string out;
  int items = 1000, dim = 64;
  std::uint64_t seed = 1;
  bool int8 = false;
  Command command{"fixture", "--out MODEL [options]", "Writes a model with seeded random weights, for tests and benchmarks.",
                  {{"out", "FILE", "the model file to write", &out},
                   {"items", "N", "catalog size", &items, 1, 1e7},
                   {"dim", "D", "model dimension", &dim, 1, 4096},
                   {"seed", "N", "the weights' seed", &seed, 0, 1099511627776.0},
                   {"int8", "", "int8 item table with per-row scales", &int8}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (out.empty()) return fail("fixture needs --out FILE");
  ModelConfig config;
  config.dim = dim;
  config.event_types = {"view", "click", "cart", "purchase"};
  config.purchase_event = "purchase";
  config.time_origin_s = 1.7e9;
  std::vector<std::string> ids, categories;
  for (int i = 0; i < items; ++i) ids.push_back("SKU-" + std::to_string(100000 + i));
  for (int c = 0; c < 20; ++c) categories.push_back("category-" + std::to_string(c));
  ModelWeights w = random_weights(config, std::move(ids), std::move(categories), seed);
  w.metadata_json = json{{"kind", "fixture"}, {"seed", seed}}.dump();
  if (int8) quantize_item_table(w);
  std::shared_ptr<const Model> model;
  if (Status s = Model::create(std::move(w), &model); !s.ok()) return fail(s.message());
  return write_model_file(*model, out);
}

int export_command(int argc, char** argv) {
  std::string model_path, out, safetensors;
  bool int8 = false;
  Command command{"export", "--model MODEL (--out MODEL [--int8] | --safetensors W.safetensors)",
                  "Writes a model file again; with --int8 its item table as int8 with per-row scales (a quarter of\n"
                  "the size; bench/int8-agreement.sh measures how the top 10 change). With --safetensors, writes its\n"
                  "weights as W.safetensors, its configuration as W.config.json and its item ids as W.ids.txt, for\n"
                  "other frameworks (tandem import reads them back).",
                  {{"model", "FILE", "the model file to read", &model_path},
                   {"out", "FILE", "the model file to write", &out},
                   {"int8", "", "int8 item table", &int8},
                   {"safetensors", "FILE", "write the weights, configuration and ids for other frameworks", &safetensors}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (model_path.empty() || (out.empty() && safetensors.empty()))
    return fail("export needs --model FILE and --out FILE or --safetensors FILE");
  LoadedModel loaded;
  if (Status s = load_model_file(model_path, true, &loaded); !s.ok()) return fail(s.message());
  ModelWeights w = loaded.model->weights();
  if (int8 && !loaded.model->quantized()) quantize_item_table(w);
  std::shared_ptr<const Model> model;
  if (Status s = Model::create(std::move(w), &model); !s.ok()) return fail(s.message());
  if (!safetensors.empty()) {
    const train::SafetensorsModel files = train::export_safetensors(*model);
    train::Outputs outputs;
    Status s = outputs.file(safetensors, files.weights.data(), files.weights.size());
    if (s.ok()) s = outputs.file(beside(safetensors, ".config.json"), files.config_json.data(), files.config_json.size());
    if (s.ok()) s = outputs.file(beside(safetensors, ".ids.txt"), files.ids_text.data(), files.ids_text.size());
    if (s.ok()) s = outputs.commit();
    if (!s.ok()) return fail(s.message());
    std::printf("wrote %s, %s, %s\n", safetensors.c_str(), beside(safetensors, ".config.json").c_str(),
                beside(safetensors, ".ids.txt").c_str());
  }
  return out.empty() ? 0 : write_model_file(*model, out);
}

int import_command(int argc, char** argv) {
  std::string weights, config, ids, out;
  bool int8 = false;
  Command command{"import", "--weights W.safetensors --config C.json --ids ids.txt --out MODEL [--int8]",
                  "Builds a model file from weights trained elsewhere (say, in PyTorch): safetensors weights named as\n"
                  "the model file names them, the model's configuration and its item ids (docs/model-format.md).\n"
                  "They are validated as any model, and the file's self-test is computed from them.",
                  {{"weights", "FILE", "the tensors, in safetensors format", &weights},
                   {"config", "FILE", "the model's configuration (JSON), with its categories", &config},
                   {"ids", "FILE", "the item ids, one per line, in row order", &ids},
                   {"out", "FILE", "the model file to write", &out},
                   {"int8", "", "int8 item table", &int8}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (weights.empty() || config.empty() || ids.empty() || out.empty())
    return fail("import needs --weights FILE, --config FILE, --ids FILE and --out FILE");
  std::vector<std::uint8_t> weight_bytes, config_bytes, id_bytes;
  for (auto [path, bytes] : {std::pair{&weights, &weight_bytes}, std::pair{&config, &config_bytes}, std::pair{&ids, &id_bytes}}) {
    Status s = read_file(*path, bytes);
    if (!s.ok()) return fail(s.message());
  }
  ModelWeights w;
  Status s = train::import_safetensors(weight_bytes.data(), weight_bytes.size(),
                                       std::string_view(reinterpret_cast<const char*>(config_bytes.data()), config_bytes.size()),
                                       std::string_view(reinterpret_cast<const char*>(id_bytes.data()), id_bytes.size()), &w);
  if (!s.ok()) return fail(s.message());
  if (int8 && w.item_vec_q.size() == 0) quantize_item_table(w);
  std::shared_ptr<const Model> model;
  if (Status s = Model::create(std::move(w), &model); !s.ok())
    return fail("the imported weights are not a usable model: " + s.message());
  return write_model_file(*model, out);
}

int inspect_command(int argc, char** argv) {
  bool verify = false;
  Command command{"inspect", "MODEL [--verify]", "Prints what a model file holds.",
                  {{"verify", "", "also run the file's self-test", &verify}}, {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (positional.size() != 1) return fail("inspect needs one model file");
  const std::string path = positional[0];
  LoadedModel m;
  if (Status s = load_model_file(path, verify, &m); !s.ok()) return fail(s.message());
  const Model& model = *m.model;
  const ModelConfig& c = model.config();
  const json header = json::parse(m.header_json);
  std::printf("model      %s\n", path.c_str());
  std::printf("format     tandem-model v%u, fingerprint %s\n", kModelFormatVersion, model.fingerprint_hex().c_str());
  if (model.whole_model() != 0)
    std::printf("split      the head of a catalog in parts (tandem split; its contents' fingerprint %s)\n", hex64(model.contents_fingerprint()).c_str());
  const int category = model.weights().catalog.find_feature("category");
  std::printf("items      %d (%s item table), %zu categories\n", model.item_count(), model.quantized() ? "int8" : "float32",
              category < 0 ? 0 : model.weights().catalog.features[static_cast<std::size_t>(category)].values.size());
  std::printf("dim        %d, fusion %s, window %d, session timeout %.0f s\n", c.dim, fusion_name(c.fusion), c.window,
              c.session_timeout_s);
  std::string types;
  for (const auto& t : c.event_types) types += (types.empty() ? "" : ", ") + t;
  std::printf("events     %s (purchase: %s)\n", types.c_str(), c.purchase_event.empty() ? "none" : c.purchase_event.c_str());
  std::printf("tensors\n");
  for (const auto& t : header["tensors"])
    std::printf("  %-16s %-4s %-14s %10zu bytes\n", t["name"].get<std::string>().c_str(),
                t["dtype"].get<std::string>().c_str(), t["shape"].dump().c_str(), t["size"].get<std::size_t>());
  std::printf("metadata   %s\n", header["metadata"].dump().c_str());
  if (verify) std::printf("self-test  passed (%zu candidates)\n", header["selftest"]["candidates"].size());
  return 0;
}

namespace {

// A time in seconds: the whole text is a number (the Session rejects one that is not finite).
bool parse_seconds(const std::string& text, double* out) {
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0';
}

}  // namespace

int score_command(int argc, char** argv) {
  std::string model_path, profile_path, events, candidate_list, time;
  Command command{"score", "--model MODEL --candidates ID,ID,... [options]",
                  "Prints, as JSON, the scores a shopper session gives (what the browser computes, natively).",
                  {{"model", "FILE", "the model file", &model_path},
                   {"candidates", "ID,...", "the items to score", &candidate_list},
                   {"profile", "FILE", "the shopper's profile file", &profile_path},
                   {"events", "ITEM@TYPE@SECONDS,...", "the events the session observes, in order", &events},
                   {"time", "SECONDS", "when the ranking is asked for (after the session timeout: a new visit's)", &time}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (model_path.empty() || candidate_list.empty()) return fail("score needs --model FILE and --candidates ID,ID,...");
  LoadedModel m;
  if (Status s = load_model_file(model_path, true, &m); !s.ok()) return fail(s.message());
  const Model& model = *m.model;
  Session shopper(m.model);
  Status s;
  if (!profile_path.empty()) {
    std::vector<std::uint8_t> bytes;
    Profile profile;
    s = read_file(profile_path, &bytes);
    if (s.ok()) s = read_profile(model, bytes.data(), bytes.size(), &profile);
    if (!s.ok()) return fail(profile_path + ": " + s.message());
    shopper.set_profile(profile);
  }
  // --events "item@type@seconds,..." (the same event order a page would observe)
  for (const std::string& spec : split_list(events, ',')) {
    const std::vector<std::string> parts = split_list(spec, '@');
    double time = 0;
    if (parts.size() != 3 || !parse_seconds(parts[2], &time))
      return fail("--events takes item@type@seconds entries separated by commas, got '" + spec + "'");
    const int type = model.find_event_type(parts[1]);
    if (type < 0) return fail("unknown event type " + quote_value(parts[1]));
    s = shopper.observe(model.find_item(parts[0]), type, time);
    if (!s.ok()) return fail(s.message());
  }
  // --time SECONDS: when the ranking is asked for (after the session timeout, a new visit's).
  bool new_visit = false;
  if (!time.empty()) {
    double now = 0;
    if (!parse_seconds(time, &now)) return fail("--time takes seconds, got " + quote_value(time));
    if (!(s = shopper.resume_at(now, &new_visit)).ok()) return fail(s.message());
  }
  const std::vector<std::string> candidates = split_list(candidate_list, ',');
  std::vector<std::int32_t> rows;
  for (const auto& id : candidates) rows.push_back(model.find_item(id));
  std::vector<float> scores(rows.size());
  shopper.score(rows.data(), rows.size(), scores.data());
  json out{{"gate", shopper.gate_mean()}, {"new_visit", new_visit}, {"scores", json::object()}};
  for (std::size_t i = 0; i < candidates.size(); ++i) out["scores"][candidates[i]] = scores[i];
  // Candidates are the caller's bytes: any that are not UTF-8 (unknown to the model) print with U+FFFD.
  std::printf("%s\n", out.dump(-1, ' ', false, json::error_handler_t::replace).c_str());
  return 0;
}

int catalog_command(int argc, char** argv) {
  std::string model_path, catalog_path, out;
  bool partial = false, strict = false;
  Command command{"catalog", "--model MODEL --catalog FILE --out MODEL [options]",
                  "Brings a model's catalog up to date without retraining: new items get vectors from their features\n"
                  "(category, brand, price, discount, ...), known items the features the catalog gives now (a new\n"
                  "price or discount), and items the catalog no longer lists are dropped (--partial keeps them).",
                  {{"model", "FILE", "the model file", &model_path},
                   {"catalog", "FILE", "the catalog, JSON lines or CSV (docs/data.md)", &catalog_path},
                   {"out", "FILE", "the model file to write", &out},
                   {"partial", "", "the catalog lists changes only: keep the items it does not list", &partial},
                   {"strict", "", "the first malformed catalog row is an error instead of being skipped", &strict}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (model_path.empty() || catalog_path.empty() || out.empty()) return fail("catalog needs --model FILE, --catalog FILE and --out FILE");
  LoadedModel m;
  if (Status s = load_model_file(model_path, true, &m); !s.ok()) return fail(s.message());
  std::vector<CatalogItem> items;
  train::LogReport report;
  train::LogOptions options;
  options.strict = strict;
  if (Status s = train::read_catalog_file(catalog_path, options, &items, &report); !s.ok()) return fail(s.message());
  std::size_t added = 0;
  if (Status s = m.model->update_items(items, &added); !s.ok()) return fail(catalog_path + ": " + s.message());
  // Without --partial, the catalog is the whole assortment: what it does not list is delisted.
  std::vector<std::uint8_t> keep(static_cast<std::size_t>(m.model->item_count()), 1);
  std::size_t removed = 0;
  if (!partial) {
    std::vector<std::uint8_t> listed(keep.size(), 0);
    for (const CatalogItem& item : items) listed[static_cast<std::size_t>(m.model->find_item(item.id))] = 1;
    for (std::size_t i = 0; i < keep.size(); ++i) removed += (keep[i] = listed[i]) ? 0 : 1;
  }
  if (removed == keep.size()) return fail(catalog_path + " lists none of the model's items and no new ones: the model would have no items");
  std::printf("catalog    %s: %llu rows, %llu malformed rows skipped; %zu items updated, %zu added, %zu dropped%s\n",
              catalog_path.c_str(), static_cast<unsigned long long>(report.rows), static_cast<unsigned long long>(report.malformed),
              items.size() - added, added, removed, partial ? " (--partial)" : "");
  for (const auto& e : report.first_errors) std::printf("           %s\n", e.c_str());
  std::shared_ptr<const Model> model;
  if (Status s = Model::create(compact_items(m.model->weights(), keep), &model); !s.ok()) return fail(s.message());
  return write_model_file(*model, out);
}

namespace {

// The model file of `model`'s weights with only the rows `keep` marks, as the head of `model`
// (Model::set_whole_model: it takes the whole model's fingerprint).
Status base_model(const Model& model, const std::vector<std::uint8_t>& keep, std::shared_ptr<Model>* base,
                  std::vector<std::uint8_t>* bytes) {
  Status s = Model::create(compact_items(model.weights(), keep), base);
  if (!s.ok()) return s;
  (*base)->set_whole_model(model.fingerprint());
  return model_bytes(**base, bytes);
}

}  // namespace

int split_command(int argc, char** argv) {
  std::string model_path, out, by = "category";
  std::uint64_t part_bytes = 2000000, base_items = 0;
  Command command{"split", "--model MODEL --out DIR [options]",
                  "Writes a model as a catalog in parts, for catalogs larger than a page should download\n"
                  "(docs/deploying.md, \"Catalogs in parts\"): DIR/model.tandem holds the weights and the items\n"
                  "with the largest bias (what the model recommends without context), each DIR/part-NNNN.tandem-part\n"
                  "the trained rows of the other items, grouped by a feature's value (packed together when small,\n"
                  "split when large), and DIR/catalog.json says which part holds which values. Pages load the\n"
                  "model, then the parts they need (Recommender.loadParts); scores are the whole model's.",
                  {{"model", "FILE", "the model file to split", &model_path},
                   {"out", "DIR", "the directory to write (replaced as a whole)", &out},
                   {"by", "FEATURE", "the label or path feature that groups items into parts (default category)", &by},
                   {"part-bytes", "N", "the largest file to write, in bytes (default 2000000; the model file too)", &part_bytes, 4096, 1e12},
                   {"base-items", "N", "items in the model file (default: as many as fit in --part-bytes)", &base_items, 1, 1e9}},
                  {}, {}};
  std::vector<std::string> positional;
  if (int r = parse_or_help(command, argc, argv, &positional); r >= 0) return r;
  if (model_path.empty() || out.empty()) return fail("split needs --model FILE and --out DIR");
  LoadedModel m;
  if (Status s = load_model_file(model_path, true, &m); !s.ok()) return fail(s.message());
  const Model& full = *m.model;
  const ModelWeights& w = full.weights();
  const int k = w.catalog.find_feature(by);
  if (k < 0 || (w.catalog.features[k].kind != FeatureKind::label && w.catalog.features[k].kind != FeatureKind::path)) {
    std::string names;
    for (const Feature& ft : w.catalog.features)
      if (ft.kind == FeatureKind::label || ft.kind == FeatureKind::path) names += (names.empty() ? "" : ", ") + ft.name;
    return fail("--by " + by + ": the model has no label or path feature of that name (it has: " + (names.empty() ? "none" : names) + ")");
  }
  const Feature& feature = w.catalog.features[static_cast<std::size_t>(k)];
  const std::size_t n = static_cast<std::size_t>(full.item_count()), f = w.catalog.feature_count();
  const std::size_t d = static_cast<std::size_t>(full.dim());
  // What an item takes in a part file (core/part_format.h).
  const auto item_bytes = [&](std::size_t row) {
    return part_row_bytes(d, f, full.quantized()) + w.item_ids[row].size() + 1;
  };
  if (n < 2) return fail("the model has " + std::to_string(n) + " item: nothing to split");

  // The base: the items of the largest bias, as many as fit (or --base-items).
  std::vector<std::int32_t> by_bias(n);
  std::iota(by_bias.begin(), by_bias.end(), 0);
  std::stable_sort(by_bias.begin(), by_bias.end(), [&](std::int32_t a, std::int32_t b) { return w.item_bias[a] > w.item_bias[b]; });
  std::vector<std::uint8_t> keep(n, 0);
  std::shared_ptr<Model> base;
  std::vector<std::uint8_t> base_file;
  std::size_t count = base_items > 0 ? std::min<std::size_t>(base_items, n - 1) : 1;
  if (base_items == 0) {  // fill what is left of --part-bytes, then trim what padding and the self-test add
    keep[static_cast<std::size_t>(by_bias[0])] = 1;
    if (Status s = base_model(full, keep, &base, &base_file); !s.ok()) return fail(s.message());
    if (base_file.size() > part_bytes)
      return fail("--part-bytes " + std::to_string(part_bytes) + " is smaller than the model file with one item (" +
                  std::to_string(base_file.size()) + " bytes)");
    std::size_t room = part_bytes - base_file.size();
    while (count < n - 1 && item_bytes(static_cast<std::size_t>(by_bias[count])) <= room) room -= item_bytes(static_cast<std::size_t>(by_bias[count++]));
  }
  for (;;) {
    std::fill(keep.begin(), keep.end(), 0);
    for (std::size_t i = 0; i < count; ++i) keep[static_cast<std::size_t>(by_bias[i])] = 1;
    if (Status s = base_model(full, keep, &base, &base_file); !s.ok()) return fail(s.message());
    if (base_items > 0 || base_file.size() <= part_bytes || count == 1) break;
    count -= std::max<std::size_t>(1, count / 100);
  }

  // The other items by the feature's value (values in vocabulary order, items without one last),
  // packed into parts of at most --part-bytes.
  std::vector<std::vector<std::int32_t>> groups(static_cast<std::size_t>(feature.rows()) + 1);
  for (std::size_t row = 0; row < n; ++row)
    if (!keep[row]) {
      const std::int32_t v = w.catalog.value(row, static_cast<std::size_t>(k));
      groups[v < 0 ? groups.size() - 1 : static_cast<std::size_t>(v)].push_back(static_cast<std::int32_t>(row));
    }
  const auto value_name = [&](std::size_t g) { return g < feature.values.size() ? feature.values[g] : std::string(); };
  struct Planned {
    std::vector<std::int32_t> rows;
    std::vector<std::string> values;
    std::size_t bytes = 0;
  };
  constexpr std::size_t kPartOverhead = part_fixed_bytes(kMaxIdBytes);  // with a name as long as an id may be
  if (part_bytes <= kPartOverhead + item_bytes(0) + 1024) return fail("--part-bytes " + std::to_string(part_bytes) + " cannot hold an item");
  const std::size_t room = part_bytes - kPartOverhead;
  std::vector<Planned> plan(1);
  for (std::size_t g = 0; g < groups.size(); ++g) {
    std::size_t group_bytes = 0;
    for (std::int32_t row : groups[g]) group_bytes += item_bytes(static_cast<std::size_t>(row));
    if (groups[g].empty()) continue;
    if (plan.back().bytes + group_bytes > room && !plan.back().rows.empty()) plan.emplace_back();
    for (std::int32_t row : groups[g]) {
      const std::size_t b = item_bytes(static_cast<std::size_t>(row));
      if (plan.back().bytes + b > room) plan.emplace_back();  // a value larger than a part spans several
      Planned& p = plan.back();
      if (p.values.empty() || p.values.back() != value_name(g)) p.values.push_back(value_name(g));
      p.rows.push_back(row);
      p.bytes += b;
    }
  }
  if (plan.back().rows.empty()) plan.pop_back();

  std::string staging;
  train::Outputs outputs;
  if (Status s = outputs.directory(out, &staging); !s.ok()) return fail(s.message());
  if (Status s = write_file_atomic(staging + "/model.tandem", base_file.data(), base_file.size()); !s.ok()) return fail(s.message());
  json parts = json::array();
  std::size_t largest = base_file.size();
  for (std::size_t i = 0; i < plan.size(); ++i) {
    char file[48];
    std::snprintf(file, sizeof file, "part-%04zu.tandem-part", i);
    const Planned& p = plan[i];
    std::string name = p.values.front().empty() ? "(no " + by + ")" : p.values.front();
    if (p.values.size() > 1) name += " and " + std::to_string(p.values.size() - 1) + " more";
    if (name.size() > kMaxIdBytes) {  // a name is an id (core/limits.h): cut at a character's start
      std::size_t end = kMaxIdBytes;
      while (end > 0 && (static_cast<unsigned char>(name[end]) & 0xC0) == 0x80) --end;
      name.resize(end);
    }
    const std::vector<std::uint8_t> bytes = write_part(*base, full.part_of(p.rows, name));
    if (Status s = write_file_atomic(staging + "/" + file, bytes.data(), bytes.size()); !s.ok()) return fail(s.message());
    json values = json::array();
    for (const std::string& v : p.values) values.push_back(v.empty() ? json(nullptr) : json(v));
    parts.push_back(json{{"file", file}, {"name", name}, {"items", p.rows.size()}, {"bytes", bytes.size()}, {"values", values}});
    largest = std::max(largest, bytes.size());
  }
  const json manifest{{"format", "tandem-catalog"},
                      {"version", 1},
                      {"model", "model.tandem"},
                      {"fingerprint", base->fingerprint_hex()},
                      {"bytes", base_file.size()},
                      {"items", n},
                      {"model_items", count},
                      {"feature", by},
                      {"parts", parts}};
  const std::string text = manifest.dump(1) + "\n";
  if (Status s = write_file_atomic(staging + "/catalog.json", text.data(), text.size()); !s.ok()) return fail(s.message());
  if (Status s = outputs.commit(); !s.ok()) return fail(s.message());
  std::printf("wrote %s: model.tandem (%zu of %zu items, %zu bytes, fingerprint %s), %zu parts of the other %zu items by %s, "
              "catalog.json; the largest file %zu bytes\n",
              out.c_str(), count, n, base_file.size(), base->fingerprint_hex().c_str(), plan.size(), n - count, by.c_str(), largest);
  return 0;
}

}  // namespace tandem::cli
