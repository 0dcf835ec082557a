// Command line options: `--key value` pairs and bare flags, positional arguments, and a JSON
// config file (`--config FILE`, an object whose keys are the option names) whose values the
// command line overrides.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace tandem::cli {

class Args {
 public:
  // `flags` take no value; every other --option takes one. Unknown options are errors, so a typo
  // never silently trains with a default.
  Status parse(int argc, char** argv, int first, const std::vector<std::string>& flags,
               const std::vector<std::string>& options);

  bool has(const std::string& key) const { return values_.count(key) != 0; }
  std::string get(const std::string& key, const std::string& fallback = "") const;
  bool flag(const std::string& key) const;
  Status integer(const std::string& key, long lo, long hi, long* out) const;    // keeps *out when absent
  Status number(const std::string& key, double lo, double hi, double* out) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  Status load_config(const std::string& path, const std::vector<std::string>& flags,
                     const std::vector<std::string>& options);
  std::map<std::string, std::string> values_;
  std::vector<std::string> positional_;
};

// "a,b,c" -> {"a", "b", "c"} (empty text: none).
std::vector<std::string> split_list(const std::string& text, char separator);

}  // namespace tandem::cli
