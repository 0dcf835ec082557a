// The `tandem` command line tool: trains, evaluates and inspects models.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "cli/commands.h"
#include "core/model_format.h"

namespace tandem::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem: %s\n", message.c_str());
  return 1;
}

}  // namespace tandem::cli

namespace {

// The commands, each with its own `tandem COMMAND --help` listing every option.
const char* kUsage =
    "usage: tandem <command> [options]        tandem <command> --help: the command's options\n"
    "\n"
    "  train    learn a model from an interaction log, evaluate it, write the model file and profiles\n"
    "  eval     evaluate a model file on a log (HR, NDCG, MRR), against baselines\n"
    "  prepare  preprocess a log larger than memory into a prepared-data file that train, eval, profiles read\n"
    "  inspect  print what a model file holds; --verify runs its self-test\n"
    "  export   write a model file again, e.g. with an int8 item table, or its weights as safetensors\n"
    "  import   build a model file from safetensors weights trained elsewhere\n"
    "  catalog  bring a model's catalog up to date: new items, new prices, delisted items (no retraining)\n"
    "  split    write a model as a catalog in parts a page loads when it needs them (large catalogs)\n"
    "  profiles keep shoppers' profiles in a store (SQLite, Redis) for the shop's servers, updated with new events\n"
    "  fixture  write a model with seeded random weights (tests, benchmarks)\n"
    "  score    the scores a shopper session gives, as JSON (what the browser computes)\n"
    "\n"
    "Every option can also come from a JSON file: --config FILE.json. tandem --version prints the version.\n";

int run(int argc, char** argv) {
  using namespace tandem::cli;
  const std::string first = argc < 2 ? "" : argv[1];
  if (argc < 2 || first == "--help" || first == "-h" || first == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (first == "--version") {
    std::printf("tandem %s (model format %u)\n", TANDEM_VERSION, tandem::kModelFormatVersion);
    return 0;
  }
  const std::string& command = first;
  const int n = argc - 2;
  char** rest = argv + 2;
  if (command == "train") return train_command(n, rest);
  if (command == "eval") return eval_command(n, rest);
  if (command == "prepare") return prepare_command(n, rest);
  if (command == "inspect") return inspect_command(n, rest);
  if (command == "export") return export_command(n, rest);
  if (command == "import") return import_command(n, rest);
  if (command == "fixture") return fixture_command(n, rest);
  if (command == "score") return score_command(n, rest);
  if (command == "catalog") return catalog_command(n, rest);
  if (command == "split") return split_command(n, rest);
  if (command == "profiles") return profiles_command(n, rest);
  return fail("unknown command '" + command + "' (see tandem --help)");
}

}  // namespace

// Errors are Status values throughout; what can still throw is the standard library itself (out of
// memory, a filesystem error): it ends the run with its message and exit code 1, never an abort.
int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::bad_alloc&) {
    return tandem::cli::fail("out of memory");
  } catch (const std::exception& e) {
    return tandem::cli::fail(std::string("internal error: ") + e.what());
  }
}
