#include "core/profile_format.h"

#include <cstring>
#include <string>

#include "core/bytes.h"
#include "core/envelope.h"
#include "core/hash.h"

namespace tandem {

namespace {
constexpr EnvelopeKind kProfile{"profile", "TNDP", 1};
}  // namespace

std::vector<std::uint8_t> write_profile(const Model& model, const Profile& profile) {
  std::vector<std::uint8_t> out;
  begin_envelope(kProfile, &out);
  ByteWriter w(out);
  w.put<std::uint64_t>(model.fingerprint());
  w.put<std::uint32_t>(static_cast<std::uint32_t>(model.dim()));
  std::vector<float> values(profile_length(model));
  profile_to_vector(profile, values.data());
  w.bytes(values.data(), values.size() * sizeof(float));
  seal_envelope(&out);
  return out;
}

Status read_profile(const Model& model, const std::uint8_t* data, std::size_t size, Profile* out) {
  ByteReader r(nullptr, 0);
  Status s = open_envelope(kProfile, data, size, &r);
  if (!s.ok()) return s;
  std::uint64_t fingerprint = 0;
  std::uint32_t dim = 0;
  if (!r.get(&fingerprint) || !r.get(&dim)) return Status::error("profile: truncated (" + std::to_string(size) + " bytes)");
  if (fingerprint != model.fingerprint())
    return Status::error("profile belongs to another model (fingerprint " + hex64(fingerprint) + ", this model " +
                         model.fingerprint_hex() + ")");
  if (dim != static_cast<std::uint32_t>(model.dim()))
    return Status::error("profile: dimension " + std::to_string(dim) + " does not match the model's " +
                         std::to_string(model.dim()));
  std::vector<float> values(profile_length(model));
  const std::size_t want = 20 + 4 * values.size() + kEnvelopeChecksumSize;
  if (size != want) return Status::error("profile: " + std::to_string(size) + " bytes, expected " + std::to_string(want));
  r.bytes(values.data(), 4 * values.size());
  return profile_from_vector(model, values.data(), values.size(), out);
}

}  // namespace tandem
