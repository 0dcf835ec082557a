// A long-term profile as a file a server hands to the page: the profile vector (long_term.h) plus
// the fingerprint of the model it belongs to, so that a profile never meets the wrong model. An
// envelope (envelope.h) with magic "TNDP", version 1:
//
//   offset  size     what
//   0       4        magic "TNDP"
//   4       4        version, uint32 little-endian (1)
//   8       8        model fingerprint, uint64
//   16      4        dim d, uint32
//   20      4(d+1)   float32: pooled[0..d), log_mass
//   ...     8        checksum: XXH64 of everything before
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/long_term.h"
#include "core/model.h"

namespace tandem {

std::vector<std::uint8_t> write_profile(const Model& model, const Profile& profile);
Status read_profile(const Model& model, const std::uint8_t* data, std::size_t size, Profile* out);

}  // namespace tandem
