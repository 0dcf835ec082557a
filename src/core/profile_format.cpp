#include "core/profile_format.h"

#include <cstring>
#include <string>

#include "core/bytes.h"
#include "core/hash.h"

namespace tandem {

namespace {
constexpr char kMagic[4] = {'T', 'N', 'D', 'P'};
constexpr std::uint32_t kVersion = 1;
}  // namespace

std::vector<std::uint8_t> write_profile(const Model& model, const Profile& profile) {
  std::vector<std::uint8_t> out;
  ByteWriter w(out);
  w.bytes(kMagic, 4);
  w.put<std::uint32_t>(kVersion);
  w.put<std::uint64_t>(model.fingerprint());
  w.put<std::uint32_t>(static_cast<std::uint32_t>(model.dim()));
  std::vector<float> values(profile_length(model));
  profile_to_vector(profile, values.data());
  w.bytes(values.data(), values.size() * sizeof(float));
  w.put<std::uint64_t>(xxh64(out.data(), out.size()));
  return out;
}

Status read_profile(const Model& model, const std::uint8_t* data, std::size_t size, Profile* out) {
  const std::size_t n = profile_length(model);
  const std::size_t want = 20 + 4 * n + 8;
  if (size < 8 || std::memcmp(data, kMagic, 4) != 0) return Status::error("profile: bad magic bytes, not a tandem profile");
  std::uint32_t version;
  std::memcpy(&version, data + 4, 4);
  if (version != kVersion)
    return Status::error("profile: unsupported version " + std::to_string(version) + " (this build reads 1)");
  if (size < 20) return Status::error("profile: truncated (" + std::to_string(size) + " bytes)");
  std::uint64_t fingerprint;
  std::uint32_t dim;
  std::memcpy(&fingerprint, data + 8, 8);
  std::memcpy(&dim, data + 16, 4);
  if (fingerprint != model.fingerprint())
    return Status::error("profile belongs to another model (fingerprint " + hex64(fingerprint) + ", this model " +
                         model.fingerprint_hex() + ")");
  if (dim != static_cast<std::uint32_t>(model.dim()))
    return Status::error("profile: dimension " + std::to_string(dim) + " does not match the model's " +
                         std::to_string(model.dim()));
  if (size != want)
    return Status::error("profile: " + std::to_string(size) + " bytes, expected " + std::to_string(want));
  std::uint64_t stored;
  std::memcpy(&stored, data + size - 8, 8);
  if (xxh64(data, size - 8) != stored) return Status::error("profile: checksum mismatch (corrupt file)");
  std::vector<float> values(n);
  std::memcpy(values.data(), data + 20, 4 * n);
  return profile_from_vector(model, values.data(), n, out);
}

}  // namespace tandem
