// Errors in the core are values, never exceptions: the wasm build runs without C++ exceptions,
// and the bindings turn a failed Status into a JavaScript Error with the same message.
#pragma once

#include <cstdio>
#include <string>
#include <utility>

namespace tandem {

class Status {
 public:
  Status() = default;
  static Status error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return message_.empty(); }
  const std::string& message() const { return message_; }

 private:
  explicit Status(std::string message) : message_(std::move(message)) {
    if (message_.empty()) message_ = "unknown error";
  }
  std::string message_;
};

// A number as an iostream prints it by default (printf's %g): the core formats messages and
// fingerprints without iostreams, which would add their locale machinery to the wasm.
inline std::string format_number(double x) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", x);
  return buffer;
}

}  // namespace tandem
