// Whole files in and out for training runs and the command line tool (the core only sees bytes):
// reading, atomic writing, and the all-or-nothing outputs of a run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model_format.h"
#include "core/status.h"

namespace tandem::train {

Status read_file(const std::string& path, std::vector<std::uint8_t>* out);
// Writes to PATH.tmp, then renames over PATH: a crash never leaves a half-written file.
Status write_file_atomic(const std::string& path, const void* data, std::size_t size);
// The files of one run, written all or none: each is first written beside its destination (a
// file as PATH.tmp, a directory as DIR.tmp), and commit() moves them into place once every one was
// written. What is not committed is removed when the Outputs goes, so a run that fails half way
// leaves the previous outputs as they were and no partial new ones.
class Outputs {
 public:
  Outputs() = default;
  Outputs(const Outputs&) = delete;
  Outputs& operator=(const Outputs&) = delete;
  ~Outputs();
  Status file(const std::string& path, const void* data, std::size_t size);
  // A directory to be filled: *staging is where to write its files until commit().
  Status directory(const std::string& path, std::string* staging);
  // Moves everything into place; a directory replaces an existing one as a whole.
  Status commit();

 private:
  struct Staged {
    std::string staging, path;
    bool directory;
  };
  std::vector<Staged> staged_;
};

// A model file, read and checked (its self-test too when `verify`); errors name the path.
Status load_model_file(const std::string& path, bool verify, LoadedModel* out);

}  // namespace tandem::train
