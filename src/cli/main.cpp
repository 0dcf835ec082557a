// The `tandem` command line tool.
//
//   tandem fixture --out FILE [--items N] [--dim D] [--seed S] [--int8]
//   tandem inspect FILE [--verify]
//   tandem example FILE           observe a few events and print a rerank (the README's demo run)
#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/files.h"
#include "core/model_format.h"
#include "core/session.h"

namespace {

using namespace tandem;
using json = nlohmann::json;

const char* kUsage =
    "usage: tandem <command> [options]\n"
    "\n"
    "commands:\n"
    "  fixture --out FILE [--items N] [--dim D] [--seed S] [--int8]\n"
    "      write a model with seeded random weights (for tests and benchmarks)\n"
    "  inspect FILE [--verify]\n"
    "      print what a model file holds; --verify also runs its self-test\n"
    "  example FILE\n"
    "      load a model, observe a few events, print a rerank and a recommendation\n";

// --key value pairs and bare flags after the command; positional arguments in order.
struct Args {
  std::map<std::string, std::string> options;
  std::vector<std::string> positional;

  bool parse(int argc, char** argv, int first, const std::vector<std::string>& flags, std::string* error) {
    for (int i = first; i < argc; ++i) {
      std::string a = argv[i];
      if (a.rfind("--", 0) == 0) {
        std::string key = a.substr(2);
        bool is_flag = false;
        for (const auto& f : flags) is_flag |= (f == key);
        if (is_flag) {
          options[key] = "1";
        } else if (i + 1 < argc) {
          options[key] = argv[++i];
        } else {
          *error = "option --" + key + " needs a value";
          return false;
        }
      } else {
        positional.push_back(a);
      }
    }
    return true;
  }
  bool has(const std::string& key) const { return options.count(key) != 0; }
  std::string get(const std::string& key, const std::string& fallback = "") const {
    auto it = options.find(key);
    return it == options.end() ? fallback : it->second;
  }
  bool integer(const std::string& key, long lo, long hi, long fallback, long* out, std::string* error) const {
    if (!has(key)) {
      *out = fallback;
      return true;
    }
    char* end = nullptr;
    const std::string v = get(key);
    long x = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end != '\0' || x < lo || x > hi) {
      *error = "--" + key + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) + ", got '" + v + "'";
      return false;
    }
    *out = x;
    return true;
  }
};

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem: %s\n", message.c_str());
  return 1;
}

int cmd_fixture(const Args& args) {
  std::string error;
  long items = 0, dim = 0, seed = 0;
  if (!args.integer("items", 1, 10000000, 1000, &items, &error) || !args.integer("dim", 1, 4096, 64, &dim, &error) ||
      !args.integer("seed", 0, 1L << 40, 1, &seed, &error))
    return fail(error);
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
  if (args.has("int8")) quantize_item_table(w);
  auto model = Model::create(std::move(w), &error);
  if (!model) return fail(error);
  std::vector<std::uint8_t> bytes;
  Status s = write_model(*model, default_selftest(*model), &bytes);
  if (s.ok()) s = cli::write_file_atomic(args.get("out"), bytes.data(), bytes.size());
  if (!s.ok()) return fail(s.message());
  std::printf("wrote %s: %ld items, dim %ld, %s item table, %zu bytes, fingerprint %s\n", args.get("out").c_str(), items,
              dim, model->quantized() ? "int8" : "float32", bytes.size(), model->fingerprint_hex().c_str());
  return 0;
}

LoadedModel load(const std::string& path, bool verify) {
  std::vector<std::uint8_t> bytes;
  Status s = cli::read_file(path, &bytes);
  if (!s.ok()) {
    LoadedModel failed;
    failed.error = s.message();
    return failed;
  }
  LoadedModel m = read_model(bytes.data(), bytes.size(), ReadOptions{verify});
  if (!m.model) m.error = path + ": " + m.error;
  return m;
}

int cmd_inspect(const Args& args) {
  if (args.positional.size() != 1) return fail("inspect needs one model file");
  LoadedModel m = load(args.positional[0], args.has("verify"));
  if (!m.model) return fail(m.error);
  const Model& model = *m.model;
  const ModelConfig& c = model.config();
  const json header = json::parse(m.header_json);
  std::printf("model      %s\n", args.positional[0].c_str());
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
  if (args.has("verify")) std::printf("self-test  passed (%zu candidates)\n", header["selftest"]["candidates"].size());
  return 0;
}

int cmd_example(const Args& args) {
  if (args.positional.size() != 1) return fail("example needs one model file");
  LoadedModel m = load(args.positional[0], true);
  if (!m.model) return fail(m.error);
  const Model& model = *m.model;
  Session shopper(m.model);
  const auto& ids = model.weights().item_ids;
  const double t0 = model.config().time_origin_s;
  const int view = model.find_event_type(model.config().event_types.front());
  std::printf("observe:");
  for (int i = 0; i < 4 && i < model.item_count(); ++i) {
    const std::int32_t row = (i * 7) % model.item_count();
    shopper.observe(row, view, t0 + 30.0 * i);
    std::printf(" %s", ids[static_cast<std::size_t>(row)].c_str());
  }
  std::printf("\n");
  std::vector<std::string> candidates;
  for (int i = 0; i < 8 && i < model.item_count(); ++i) candidates.push_back(ids[static_cast<std::size_t>(i * 3 % model.item_count())]);
  candidates.push_back("SKU-not-in-model");
  std::vector<std::int32_t> rows, positions(candidates.size());
  for (const auto& id : candidates) rows.push_back(model.find_item(id));
  std::vector<float> scores(candidates.size());
  shopper.rerank(rows.data(), rows.size(), rows.size(), positions.data(), scores.data());
  std::printf("rerank (gate %.2f long-term):\n", shopper.gate_mean());
  for (std::size_t i = 0; i < candidates.size(); ++i)
    std::printf("  %2zu. %-20s %8.4f\n", i + 1, candidates[static_cast<std::size_t>(positions[i])].c_str(), scores[i]);
  std::vector<std::int32_t> top(5);
  std::vector<float> top_scores(5);
  const std::size_t k = shopper.recommend(5, Exclude::purchased, nullptr, 0, top.data(), top_scores.data());
  std::printf("recommend top %zu:", k);
  for (std::size_t i = 0; i < k; ++i) std::printf(" %s", ids[static_cast<std::size_t>(top[i])].c_str());
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  Args args;
  std::string error;
  if (!args.parse(argc, argv, 2, {"int8", "verify"}, &error)) return fail(error);
  if (command == "fixture") return cmd_fixture(args);
  if (command == "inspect") return cmd_inspect(args);
  if (command == "example") return cmd_example(args);
  return fail("unknown command '" + command + "' (see tandem --help)");
}
