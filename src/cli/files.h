// Whole-file reading and atomic writing for the command line tool: the core only sees bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace tandem::cli {

Status read_file(const std::string& path, std::vector<std::uint8_t>* out);
// Writes to PATH.tmp, then renames over PATH: a crash never leaves a half-written file.
Status write_file_atomic(const std::string& path, const void* data, std::size_t size);

}  // namespace tandem::cli
