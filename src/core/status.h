// Errors in the core are values, never exceptions: the wasm build runs without C++ exceptions,
// and the bindings turn a failed Status into a JavaScript Error with the same message.
#pragma once

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

}  // namespace tandem
