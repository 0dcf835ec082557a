// Command line options, declared once per command: each Option drives parsing (`--name value`,
// bare flags), `--config FILE.json` (an object whose keys are the option names; the command line
// wins), the range check and its message, and the command's `--help`.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "core/status.h"

namespace tandem::cli {

struct Option {
  // Where the value goes; a bool is a flag, everything else takes a value.
  // (std::size_t is std::uint64_t on the 64-bit machines the CLI runs on: one alternative serves both.)
  using Target = std::variant<bool*, int*, double*, float*, std::string*, std::uint64_t*>;
  std::string name;   // without the dashes
  std::string value;  // what the value is, for --help: "N", "FILE"; empty for a flag
  std::string help;
  Target target;
  double lo = 0, hi = 0;  // numbers: the accepted range
};

static_assert(std::is_same_v<std::size_t, std::uint64_t>, "the command line tool is built for 64-bit machines");

struct Command {
  std::string name;      // "train"
  std::string synopsis;  // what follows the name in the usage line
  std::string summary;   // what the command does
  std::vector<Option> options;
  // Keys a --config file may hold for other commands (a training config given to eval): skipped.
  std::set<std::string> foreign_config_keys;
  std::set<std::string> given_names;  // filled by parse(): the options given, in either place

  // Fills the targets. --help or -h anywhere: *help is set and nothing else is checked.
  Status parse(int argc, char** argv, std::vector<std::string>* positional, bool* help);
  // Whether an option was given (on the command line or in the config file).
  bool given(const std::string& name) const { return given_names.count(name) != 0; }
  // The usage, the summary and every option with its range and default (the targets' values now).
  std::string help_text() const;

 private:
  Status set(const Option& option, const std::string& text, const std::string& where);
  Status load_config(const std::string& path);
  const Option* find(const std::string& name) const;
};

// "a,b,c" -> {"a", "b", "c"} (empty text: none).
std::vector<std::string> split_list(const std::string& text, char separator);

}  // namespace tandem::cli
