// Whole-file reading and atomic writing for the command line tool: the core only sees bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/model_format.h"
#include "core/status.h"

namespace tandem::cli {

Status read_file(const std::string& path, std::vector<std::uint8_t>* out);
// Writes to PATH.tmp, then renames over PATH: a crash never leaves a half-written file.
Status write_file_atomic(const std::string& path, const void* data, std::size_t size);
// A model file, read and checked (its self-test too when `verify`); errors name the path.
LoadedModel load_model_file(const std::string& path, bool verify);

}  // namespace tandem::cli
