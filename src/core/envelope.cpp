#include "core/envelope.h"

#include <cstring>

#include "core/hash.h"

namespace tandem {

void begin_envelope(const EnvelopeKind& kind, std::vector<std::uint8_t>* out) {
  out->clear();
  ByteWriter w(*out);
  w.bytes(kind.magic.data(), kind.magic.size());
  w.put<std::uint32_t>(kind.version);
}

void seal_envelope(std::vector<std::uint8_t>* out) {
  const std::uint64_t sum = xxh64(out->data(), out->size());
  ByteWriter(*out).put<std::uint64_t>(sum);
}

EnvelopeChecksum envelope_checksum(const std::uint8_t* data, std::size_t size) {
  EnvelopeChecksum c;
  std::memcpy(&c.stored, data + size - kEnvelopeChecksumSize, kEnvelopeChecksumSize);
  c.computed = xxh64(data, size - kEnvelopeChecksumSize);
  return c;
}

Status open_envelope(const EnvelopeKind& kind, const std::uint8_t* data, std::size_t size, ByteReader* payload) {
  const std::string what(kind.what);
  const std::size_t magic = kind.magic.size(), header = envelope_header_size(kind);
  const auto truncated = [&] { return Status::error(what + ": truncated (" + std::to_string(size) + " bytes)"); };
  if (size < magic) return truncated();
  if (std::memcmp(data, kind.magic.data(), magic) != 0) return Status::error(what + ": bad magic bytes, not a tandem " + what);
  if (size < header + kEnvelopeChecksumSize) return truncated();
  std::uint32_t version;
  std::memcpy(&version, data + magic, 4);
  if (version != kind.version)
    return Status::error(what + ": unsupported version " + std::to_string(version) + " (this build reads " +
                         std::to_string(kind.version) + ")");
  if (!envelope_checksum(data, size).ok()) return Status::error(what + ": checksum mismatch (corrupt or truncated)");
  *payload = ByteReader(data + header, size - header - kEnvelopeChecksumSize);
  return {};
}

}  // namespace tandem
