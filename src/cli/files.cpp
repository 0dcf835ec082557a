#include "cli/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tandem::cli {

Status read_file(const std::string& path, std::vector<std::uint8_t>* out) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  out->clear();
  std::uint8_t buffer[1 << 16];
  std::size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, f)) > 0) out->insert(out->end(), buffer, buffer + n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::error("cannot read " + path);
  return {};
}

Status write_file_atomic(const std::string& path, const void* data, std::size_t size) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::error("cannot write " + tmp + ": " + std::strerror(errno));
  const bool written = std::fwrite(data, 1, size, f) == size;
  const bool closed = std::fclose(f) == 0;
  if (!written || !closed) {
    std::remove(tmp.c_str());
    return Status::error("cannot write " + path + " (disk full?)");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::error("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return {};
}

LoadedModel load_model_file(const std::string& path, bool verify) {
  std::vector<std::uint8_t> bytes;
  Status s = read_file(path, &bytes);
  if (!s.ok()) {
    LoadedModel failed;
    failed.error = s.message();
    return failed;
  }
  LoadedModel m = read_model(bytes.data(), bytes.size(), ReadOptions{verify});
  if (!m.model) m.error = path + ": " + m.error;
  return m;
}

}  // namespace tandem::cli
