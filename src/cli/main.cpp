// The `tandem` command line tool: trains, evaluates and inspects models.
#include <cstdio>
#include <exception>
#include <new>
#include <string>

#include "cli/commands.h"

namespace tandem::cli {

int fail(const std::string& message) {
  std::fprintf(stderr, "tandem: %s\n", message.c_str());
  return 1;
}

}  // namespace tandem::cli

namespace {

const char* kUsage =
    "usage: tandem <command> [options]   (every option can also come from --config FILE.json)\n"
    "\n"
    "  train --data LOG --format FORMAT --out MODEL [--profiles DIR] [--report FILE.html]\n"
    "        [--ablation] [--exclude-history] [--protocol leave-one-out|time [--test-days D]]\n"
    "        [--dim 64] [--epochs N] [--patience 5] [--batch-size 128] [--max-length 200] [--lr 0.002]\n"
    "        [--dropout 0.3] [--history-dropout 0] [--branch-dropout 0] [--lr-decay 1] [--decay-patience 2] [--ema 0]\n"
    "        [--weight-decay 0] [--clip 5] [--window 50] [--session-timeout 1800] [--no-repeat-term] [--no-categories]\n"
    "        [--fusion gate|long|short] [--seed 1] [--threads 2] [--negatives 4096] [--sampled-above 200000]\n"
    "        [--checkpoint FILE [--resume]] [--max-minutes M] [--int8] [--dump-topk FILE] [--log FILE]\n"
    "        [--min-user-events N] [--min-item-count N] [--strict] [--quiet]\n"
    "      learn a model from an interaction log, evaluate it (and, with --ablation, long-only,\n"
    "      short-only, popularity and recently-viewed) on held-out events, write the model file\n"
    "  eval --model MODEL --data LOG --format FORMAT [--exclude-history] [--baselines] [--dump-topk FILE]\n"
    "      evaluate a model file on a log (HR, NDCG, MRR at 5, 10, 20)\n"
    "  inspect MODEL [--verify]\n"
    "      print what a model file holds; --verify also runs its self-test\n"
    "  export --model MODEL --out MODEL [--int8]\n"
    "      write a model file again, with --int8 its item table as int8 with per-row scales\n"
    "      (a quarter of the size; bench/int8-agreement.sh measures how the top 10 change)\n"
    "  fixture --out MODEL [--items N] [--dim D] [--seed S] [--int8]\n"
    "      write a model with seeded random weights (for tests and benchmarks)\n"
    "  score --model MODEL --candidates ID,ID,... [--profile FILE] [--events ITEM@TYPE@SECONDS,...]\n"
    "        [--time SECONDS]\n"
    "      the scores a shopper session gives, as JSON (what the browser computes, natively);\n"
    "      --time: when the ranking is asked for (after the session timeout, a new visit's)\n"
    "\n"
    "formats: taobao (UserBehavior.csv), retailrocket (events.csv), yoochoose (clicks),\n"
    "         sequences (user i1 i2 ...), user-item (user item lines in time order),\n"
    "         delimited (--delimiter, --header, --user-col, --item-col, --category-col,\n"
    "                    --event-col, --time-col, --time-unit s|ms|iso8601, --event-map a=view,b=purchase)\n";

}  // namespace

namespace {

int run(int argc, char** argv) {
  using namespace tandem::cli;
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "help") {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string command = argv[1];
  const int n = argc - 2;
  char** rest = argv + 2;
  if (command == "train") return train_command(n, rest);
  if (command == "eval") return eval_command(n, rest);
  if (command == "inspect") return inspect_command(n, rest);
  if (command == "export") return export_command(n, rest);
  if (command == "fixture") return fixture_command(n, rest);
  if (command == "score") return score_command(n, rest);
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
