#include "cli/args.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "cli/files.h"

namespace tandem::cli {

namespace {
bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }
}  // namespace

Status Args::parse(int argc, char** argv, int first, const std::vector<std::string>& flags,
                   const std::vector<std::string>& options) {
  std::map<std::string, std::string> given;
  std::string config;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    const std::string key = a.substr(2);
    if (contains(flags, key)) {
      given[key] = "1";
    } else if (key == "config" || contains(options, key)) {
      if (i + 1 >= argc) return Status::error("option --" + key + " needs a value");
      (key == "config" ? config : given[key]) = argv[++i];
    } else {
      return Status::error("unknown option --" + key + " (see tandem --help)");
    }
  }
  if (!config.empty()) {
    Status s = load_config(config, flags, options);
    if (!s.ok()) return s;
  }
  for (auto& [k, v] : given) values_[k] = v;  // the command line wins over the config file
  return {};
}

Status Args::load_config(const std::string& path, const std::vector<std::string>& flags,
                         const std::vector<std::string>& options) {
  std::vector<std::uint8_t> bytes;
  Status s = read_file(path, &bytes);
  if (!s.ok()) return s;
  const auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error(path + ": a config file must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (!contains(flags, key) && !contains(options, key))
      return Status::error(path + ": unknown option '" + key + "'");
    const auto& v = it.value();
    if (v.is_boolean()) {
      if (!contains(flags, key)) return Status::error(path + ": '" + key + "' takes a value, not true/false");
      if (v.get<bool>()) values_[key] = "1";
    } else if (v.is_string()) {
      values_[key] = v.get<std::string>();
    } else if (v.is_number()) {
      values_[key] = v.dump();
    } else {
      return Status::error(path + ": '" + key + "' must be a string, a number or a boolean");
    }
  }
  return {};
}

std::string Args::get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

bool Args::flag(const std::string& key) const { return has(key); }

Status Args::integer(const std::string& key, long lo, long hi, long* out) const {
  if (!has(key)) return {};
  const std::string v = get(key);
  char* end = nullptr;
  errno = 0;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || x < lo || x > hi)
    return Status::error("--" + key + " must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi) +
                         ", got '" + v + "'");
  *out = x;
  return {};
}

Status Args::number(const std::string& key, double lo, double hi, double* out) const {
  if (!has(key)) return {};
  const std::string v = get(key);
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !std::isfinite(x) || x < lo || x > hi)
    return Status::error("--" + key + " must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                         "], got '" + v + "'");
  *out = x;
  return {};
}

std::vector<std::string> split_list(const std::string& text, char separator) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find(separator, pos);
    if (end == std::string::npos) end = text.size();
    out.push_back(text.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

}  // namespace tandem::cli
