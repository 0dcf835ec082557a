#include "cli/options.h"

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

#include "core/status.h"
#include "train/files.h"

namespace tandem::cli {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

bool is_flag(const Option& o) { return std::holds_alternative<bool*>(o.target); }

std::string range_text(const Option& o, bool integer) {
  return integer ? std::to_string(static_cast<long long>(o.lo)) + ".." + std::to_string(static_cast<long long>(o.hi))
                 : "[" + format_number(o.lo) + ", " + format_number(o.hi) + "]";
}

}  // namespace

const Option* Command::find(const std::string& name) const {
  for (const Option& o : options)
    if (o.name == name) return &o;
  return nullptr;
}

Status Command::set(const Option& o, const std::string& text, const std::string& where) {
  given_names.insert(o.name);
  auto integer = [&](auto* target) -> Status {
    char* end = nullptr;
    errno = 0;
    const long long x = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno != 0 || x < o.lo || x > o.hi)
      return Status::error(where + " must be an integer in " + range_text(o, true) + ", got '" + text + "'");
    *target = static_cast<std::remove_pointer_t<decltype(target)>>(x);
    return {};
  };
  auto number = [&](auto* target) -> Status {
    char* end = nullptr;
    const double x = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(x) || x < o.lo || x > o.hi)
      return Status::error(where + " must be a number in " + range_text(o, false) + ", got '" + text + "'");
    *target = static_cast<std::remove_pointer_t<decltype(target)>>(x);
    return {};
  };
  return std::visit(Overloaded{[&](bool* t) -> Status {
                                 *t = true;
                                 return {};
                               },
                               [&](std::string* t) -> Status {
                                 *t = text;
                                 return {};
                               },
                               [&](int* t) { return integer(t); }, [&](std::uint64_t* t) { return integer(t); },
                               [&](double* t) { return number(t); },
                               [&](float* t) { return number(t); }},
                    o.target);
}

Status Command::parse(int argc, char** argv, std::vector<std::string>* positional, bool* help) {
  *help = false;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      *help = true;
      return {};
    }
  }
  std::vector<std::pair<const Option*, std::string>> given;
  std::string config;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      positional->push_back(a);
      continue;
    }
    const std::string key = a.substr(2);
    const Option* o = find(key);
    if (key != "config" && !o) return Status::error("unknown option --" + key + " (see tandem " + name + " --help)");
    if (o && is_flag(*o)) {
      given.emplace_back(o, "");
      continue;
    }
    if (i + 1 >= argc) return Status::error("option --" + key + " needs a value");
    (o ? given.emplace_back(o, "").second : config) = argv[++i];
  }
  if (!config.empty()) {
    Status s = load_config(config);
    if (!s.ok()) return s;
  }
  for (const auto& [o, text] : given) {  // the command line wins over the config file
    Status s = set(*o, text, "--" + o->name);
    if (!s.ok()) return s;
  }
  return {};
}

Status Command::load_config(const std::string& path) {
  std::vector<std::uint8_t> bytes;
  Status s = train::read_file(path, &bytes);
  if (!s.ok()) return s;
  const auto j = nlohmann::json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::error(path + ": a config file must be a JSON object");
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    const Option* o = find(key);
    if (!o && foreign_config_keys.count(key)) continue;
    if (!o) return Status::error(path + ": unknown option '" + key + "'");
    const auto& v = it.value();
    const std::string where = path + ": '" + key + "'";
    if (v.is_boolean()) {
      if (!is_flag(*o)) return Status::error(where + " takes a value, not true/false");
      if (v.get<bool>()) s = set(*o, "", where);
    } else if (is_flag(*o)) {
      return Status::error(where + " is a flag: true or false");
    } else if (v.is_string()) {
      s = set(*o, v.get<std::string>(), where);
    } else if (v.is_number()) {
      s = set(*o, v.dump(), where);
    } else {
      return Status::error(where + " must be a string, a number or a boolean");
    }
    if (!s.ok()) return s;
  }
  return {};
}

std::string Command::help_text() const {
  std::ostringstream out;
  out << "usage: tandem " << name << " " << synopsis << "\n\n" << summary << "\n\noptions (any of them can also come from --config FILE.json):\n";
  for (const Option& o : options) {
    std::string left = "  --" + o.name + (o.value.empty() ? "" : " " + o.value);
    std::string right = o.help;
    std::visit(Overloaded{[&](bool*) {}, [&](std::string* t) { if (!t->empty()) right += " (default " + *t + ")"; },
                          [&](auto* t) {
                            const bool integer = !std::is_floating_point_v<std::remove_pointer_t<decltype(t)>>;
                            right += " (" + range_text(o, integer) + ", default " + format_number(static_cast<double>(*t)) + ")";
                          }},
               o.target);
    out << left;
    if (left.size() < 28) out << std::string(28 - left.size(), ' ');
    else out << "\n" << std::string(28, ' ');
    out << right << "\n";
  }
  return out.str();
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
