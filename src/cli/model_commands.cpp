// tandem fixture | inspect | export | score: model files without training.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/files.h"
#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/session.h"

namespace tandem::cli {

using json = nlohmann::json;

int fixture_command(int argc, char** argv) {
  Args args;
  Status s = args.parse(argc, argv, 0, {"int8"}, {"out", "items", "dim", "seed"});
  long items = 1000, dim = 64, seed = 1;
  if (s.ok()) s = args.integer("items", 1, 10000000, &items);
  if (s.ok()) s = args.integer("dim", 1, 4096, &dim);
  if (s.ok()) s = args.integer("seed", 0, 1L << 40, &seed);
  if (!s.ok()) return fail(s.message());
  if (!args.has("out")) return fail("fixture needs --out FILE");
  ModelConfig config;
  config.dim = static_cast<int>(dim);
  config.event_types = {"view", "click", "cart", "purchase"};
  config.purchase_event = "purchase";
  config.time_origin_s = 1.7e9;
  std::vector<std::string> ids, categories;
  for (long i = 0; i < items; ++i) ids.push_back("SKU-" + std::to_string(100000 + i));
  for (int c = 0; c < 20; ++c) categories.push_back("category-" + std::to_string(c));
  ModelWeights w = random_weights(config, std::move(ids), std::move(categories), static_cast<std::uint64_t>(seed));
  w.metadata_json = json{{"kind", "fixture"}, {"seed", seed}}.dump();
  if (args.flag("int8")) quantize_item_table(w);
  std::string error;
  auto model = Model::create(std::move(w), &error);
  if (!model) return fail(error);
  std::vector<std::uint8_t> bytes;
  s = write_model(*model, default_selftest(*model), &bytes);
  if (s.ok()) s = write_file_atomic(args.get("out"), bytes.data(), bytes.size());
  if (!s.ok()) return fail(s.message());
  std::printf("wrote %s: %ld items, dim %ld, %s item table, %zu bytes, fingerprint %s\n", args.get("out").c_str(), items,
              dim, model->quantized() ? "int8" : "float32", bytes.size(), model->fingerprint_hex().c_str());
  return 0;
}

int export_command(int argc, char** argv) {
  Args args;
  Status s = args.parse(argc, argv, 0, {"int8"}, {"model", "out"});
  if (!s.ok()) return fail(s.message());
  if (!args.has("model") || !args.has("out")) return fail("export needs --model FILE and --out FILE");
  LoadedModel loaded = load_model_file(args.get("model"), true);
  if (!loaded.model) return fail(loaded.error);
  ModelWeights w = loaded.model->weights();
  if (args.flag("int8") && !loaded.model->quantized()) quantize_item_table(w);
  std::string error;
  auto model = Model::create(std::move(w), &error);
  if (!model) return fail(error);
  std::vector<std::uint8_t> bytes;
  s = write_model(*model, default_selftest(*model), &bytes);
  if (s.ok()) s = write_file_atomic(args.get("out"), bytes.data(), bytes.size());
  if (!s.ok()) return fail(s.message());
  std::printf("wrote %s: %d items, dim %d, %s item table, %zu bytes, fingerprint %s\n", args.get("out").c_str(),
              model->item_count(), model->dim(), model->quantized() ? "int8" : "float32", bytes.size(),
              model->fingerprint_hex().c_str());
  return 0;
}

int inspect_command(int argc, char** argv) {
  Args args;
  Status s = args.parse(argc, argv, 0, {"verify"}, {});
  if (!s.ok()) return fail(s.message());
  if (args.positional().size() != 1) return fail("inspect needs one model file");
  const std::string path = args.positional()[0];
  LoadedModel m = load_model_file(path, args.flag("verify"));
  if (!m.model) return fail(m.error);
  const Model& model = *m.model;
  const ModelConfig& c = model.config();
  const json header = json::parse(m.header_json);
  std::printf("model      %s\n", path.c_str());
  std::printf("format     tandem-model v%u, fingerprint %s\n", kModelFormatVersion, model.fingerprint_hex().c_str());
  std::printf("items      %d (%s item table), %zu categories\n", model.item_count(),
              model.quantized() ? "int8" : "float32", model.weights().categories.size());
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
  if (args.flag("verify")) std::printf("self-test  passed (%zu candidates)\n", header["selftest"]["candidates"].size());
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
  Args args;
  Status s = args.parse(argc, argv, 0, {}, {"model", "profile", "events", "candidates", "time"});
  if (!s.ok()) return fail(s.message());
  if (!args.has("model") || !args.has("candidates")) return fail("score needs --model FILE and --candidates ID,ID,...");
  LoadedModel m = load_model_file(args.get("model"), true);
  if (!m.model) return fail(m.error);
  const Model& model = *m.model;
  Session shopper(m.model);
  if (args.has("profile")) {
    std::vector<std::uint8_t> bytes;
    Profile profile;
    s = read_file(args.get("profile"), &bytes);
    if (s.ok()) s = read_profile(model, bytes.data(), bytes.size(), &profile);
    if (!s.ok()) return fail(args.get("profile") + ": " + s.message());
    shopper.set_profile(profile);
  }
  // --events "item@type@seconds,..." (the same event order a page would observe)
  for (const std::string& spec : split_list(args.get("events"), ',')) {
    const std::vector<std::string> parts = split_list(spec, '@');
    double time = 0;
    if (parts.size() != 3 || !parse_seconds(parts[2], &time))
      return fail("--events takes item@type@seconds entries separated by commas, got '" + spec + "'");
    const int type = model.find_event_type(parts[1]);
    if (type < 0) return fail("unknown event type '" + parts[1] + "'");
    s = shopper.observe(model.find_item(parts[0]), type, time);
    if (!s.ok()) return fail(s.message());
  }
  // --time SECONDS: when the ranking is asked for (after the session timeout, a new visit's).
  bool new_visit = false;
  if (args.has("time")) {
    double now = 0;
    if (!parse_seconds(args.get("time"), &now)) return fail("--time takes seconds, got '" + args.get("time") + "'");
    if (!(s = shopper.resume_at(now, &new_visit)).ok()) return fail(s.message());
  }
  const std::vector<std::string> candidates = split_list(args.get("candidates"), ',');
  std::vector<std::int32_t> rows;
  for (const auto& id : candidates) rows.push_back(model.find_item(id));
  std::vector<float> scores(rows.size());
  shopper.score(rows.data(), rows.size(), scores.data());
  json out{{"gate", shopper.gate_mean()}, {"new_visit", new_visit}, {"scores", json::object()}};
  for (std::size_t i = 0; i < candidates.size(); ++i) out["scores"][candidates[i]] = scores[i];
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace tandem::cli
