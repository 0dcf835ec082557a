// The one binary envelope of every tandem file: the model file (model_format.h), profiles
// (profile_format.h), saved session states (state_format.h) and the trainer's checkpoints.
//
//   offset    size  what
//   0         M     magic (M = 4; the model file's is 8 bytes, PNG-style, to catch text-mode transfers)
//   M         4     format version, uint32 little-endian
//   M + 4     ...   the format's payload
//   size - 8  8     checksum: XXH64 (seed 0) of every byte before it, uint64 little-endian
//
// Writers begin the envelope, append their payload, and seal it; readers open it (size, magic,
// version, checksum, in that order) and parse the payload between version and checksum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.h"
#include "core/status.h"

namespace tandem {

struct EnvelopeKind {
  std::string_view what;   // how messages name the file: "profile", "session state", "checkpoint"
  std::string_view magic;  // 4 or 8 bytes
  std::uint32_t version;   // the one this build writes and reads
};

constexpr std::size_t kEnvelopeChecksumSize = 8;
inline std::size_t envelope_header_size(const EnvelopeKind& kind) { return kind.magic.size() + 4; }

// Magic and version into an empty `out`; the payload follows.
void begin_envelope(const EnvelopeKind& kind, std::vector<std::uint8_t>* out);
// Appends the checksum of everything in `out`.
void seal_envelope(std::vector<std::uint8_t>* out);

// The stored and the computed checksum of a sealed envelope of `size` >= 8 bytes.
struct EnvelopeChecksum {
  std::uint64_t stored = 0, computed = 0;
  bool ok() const { return stored == computed; }
};
EnvelopeChecksum envelope_checksum(const std::uint8_t* data, std::size_t size);

// Checks size (at least the magic), magic, size (at least magic, version and checksum), version and
// checksum, in that order, and points *payload at the bytes between
// the version and the checksum. Messages: "<what>: truncated (N bytes)", "<what>: bad magic bytes,
// not a tandem <what>", "<what>: unsupported version V (this build reads K)", "<what>: checksum
// mismatch (corrupt or truncated)".
Status open_envelope(const EnvelopeKind& kind, const std::uint8_t* data, std::size_t size, ByteReader* payload);

}  // namespace tandem
