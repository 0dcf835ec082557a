#include "train/files.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <unistd.h>

namespace tandem::train {

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

Outputs::~Outputs() {
  std::error_code ignored;
  for (const Staged& s : staged_) std::filesystem::remove_all(s.staging, ignored);
}

Status Outputs::file(const std::string& path, const void* data, std::size_t size) {
  const std::string staging = path + ".tmp";
  std::FILE* f = std::fopen(staging.c_str(), "wb");
  if (!f) return Status::error("cannot write " + staging + ": " + std::strerror(errno));
  staged_.push_back({staging, path, false});
  const bool written = std::fwrite(data, 1, size, f) == size;
  if (std::fclose(f) != 0 || !written) return Status::error("cannot write " + path + " (disk full?)");
  return {};
}

Status Outputs::directory(const std::string& path, std::string* staging) {
  *staging = path + ".tmp";
  std::error_code ec;
  std::filesystem::remove_all(*staging, ec);  // a crashed run's leftovers
  std::filesystem::create_directories(*staging, ec);
  if (ec) return Status::error("cannot create " + *staging + ": " + ec.message());
  staged_.push_back({*staging, path, true});
  return {};
}

Status Outputs::commit() {
  for (Staged& s : staged_) {
    std::error_code ec;
    std::string old;
    if (s.directory && std::filesystem::exists(s.path, ec)) {  // swapped as a whole: rename, not merge
      old = s.path + ".old-" + std::to_string(getpid());
      std::filesystem::rename(s.path, old, ec);
      if (ec) return Status::error("cannot replace " + s.path + ": " + ec.message());
    }
    std::filesystem::rename(s.staging, s.path, ec);
    if (ec) return Status::error("cannot rename " + s.staging + " to " + s.path + ": " + ec.message());
    s.staging.clear();
    if (!old.empty()) std::filesystem::remove_all(old, ec);
  }
  staged_.clear();
  return {};
}

Status load_model_file(const std::string& path, bool verify, LoadedModel* out) {
  std::vector<std::uint8_t> bytes;
  Status s = read_file(path, &bytes);
  ReadOptions options;
  options.verify_selftest = verify;
  if (s.ok()) s = read_model(bytes.data(), bytes.size(), options, out);
  return s.ok() ? s : Status::error(path + ": " + s.message());
}

}  // namespace tandem::train
