// Reading JSON without exceptions (the wasm build has none): every access checks the type first,
// and the first problem is kept as the error, with the path of the field. Core-internal: used by
// the model file's reader and its self-test.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace tandem {

class HeaderReader {
 public:
  const std::string& error() const { return error_; }
  bool failed() const { return !error_.empty(); }

  const nlohmann::json* field(const nlohmann::json& obj, const char* key, const std::string& path) {
    if (failed()) return nullptr;
    if (!obj.is_object()) return fail(path + " must be a JSON object");
    auto it = obj.find(key);
    if (it == obj.end()) return fail("header is missing " + path + "." + key);
    return &*it;
  }
  bool integer(const nlohmann::json& obj, const char* key, const std::string& path, std::int64_t lo, std::int64_t hi,
               std::int64_t* out) {
    const nlohmann::json* v = field(obj, key, path);
    if (!v) return false;
    if (!v->is_number_integer()) return fail(path + "." + key + " must be an integer"), false;
    const std::int64_t x = v->get<std::int64_t>();
    if (x < lo || x > hi)
      return fail(path + "." + key + " = " + std::to_string(x) + " is out of range " + std::to_string(lo) + ".." +
                  std::to_string(hi)),
             false;
    *out = x;
    return true;
  }
  bool number(const nlohmann::json& obj, const char* key, const std::string& path, double* out) {
    const nlohmann::json* v = field(obj, key, path);
    if (!v) return false;
    if (!v->is_number()) return fail(path + "." + key + " must be a number"), false;
    *out = v->get<double>();
    return true;
  }
  bool string(const nlohmann::json& obj, const char* key, const std::string& path, std::string* out) {
    const nlohmann::json* v = field(obj, key, path);
    if (!v) return false;
    if (!v->is_string()) return fail(path + "." + key + " must be a string"), false;
    *out = v->get_ref<const std::string&>();
    return true;
  }
  bool strings(const nlohmann::json& obj, const char* key, const std::string& path, std::vector<std::string>* out) {
    const nlohmann::json* v = field(obj, key, path);
    if (!v) return false;
    if (!v->is_array()) return fail(path + "." + key + " must be an array of strings"), false;
    out->clear();
    out->reserve(v->size());
    for (std::size_t i = 0; i < v->size(); ++i) {
      const nlohmann::json& e = (*v)[i];
      if (!e.is_string()) return fail(path + "." + key + "[" + std::to_string(i) + "] must be a string"), false;
      out->push_back(e.get_ref<const std::string&>());
    }
    return true;
  }
  std::nullptr_t fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return nullptr;
  }

 private:
  std::string error_;
};

}  // namespace tandem
