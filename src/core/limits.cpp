#include "core/limits.h"

#include <cstdio>

namespace tandem {

namespace {

// Length of the valid UTF-8 sequence at s[i] (1..4), or 0 when there is none: no overlong forms,
// no surrogates, nothing above U+10FFFF.
std::size_t utf8_length(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  if (c < 0x80) return 1;
  std::size_t len;
  unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) len = 2;
  else if (c >= 0xE0 && c <= 0xEF) len = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4) len = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else return 0;
  if (i + len > s.size() || byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < len; ++k)
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  return len;
}

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

}  // namespace

const char* id_problem(std::string_view id) {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxIdBytes) return "is longer than 1024 bytes";
  for (std::size_t i = 0; i < id.size();) {
    const unsigned char c = static_cast<unsigned char>(id[i]);
    if (c == 0) return "holds a NUL byte";
    if (is_control(c)) return "holds a control character";
    const std::size_t len = utf8_length(id, i);
    if (len == 0) return "is not valid UTF-8";
    i += len;
  }
  return nullptr;
}

std::string quote_value(std::string_view value) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  std::size_t i = 0;
  for (; i < value.size() && i < kMax;) {
    const unsigned char c = static_cast<unsigned char>(value[i]);
    const std::size_t len = is_control(c) ? 0 : utf8_length(value, i);
    if (len == 0) {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02X", c);
      out += escaped;
      ++i;
    } else {
      out.append(value.substr(i, len));
      i += len;
    }
  }
  return out + (i < value.size() ? "...'" : "'");
}

}  // namespace tandem
