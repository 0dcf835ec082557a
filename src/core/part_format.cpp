#include "core/part_format.h"

#include <cstring>
#include <string>

#include "core/bytes.h"
#include "core/envelope.h"
#include "core/hash.h"
#include "core/limits.h"
#include "core/model_format.h"

namespace tandem {

namespace {

constexpr EnvelopeKind kPart{"catalog part", "TNDI", kPartFormatVersion};

}  // namespace

std::vector<std::uint8_t> write_part(const Model& model, const ItemPart& part) {
  std::vector<std::uint8_t> out;
  begin_envelope(kPart, &out);
  ByteWriter w(out);
  w.put<std::uint64_t>(model.fingerprint());
  w.put<std::uint32_t>(static_cast<std::uint32_t>(model.dim()));
  w.put<std::uint32_t>(static_cast<std::uint32_t>(model.weights().catalog.feature_count()));
  w.put<std::uint32_t>(static_cast<std::uint32_t>(part.ids.size()));
  w.put<std::uint32_t>(part.int8 ? 1u : 0u);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(part.name.size()));
  w.bytes(part.name.data(), part.name.size());
  std::string ids;
  for (const std::string& id : part.ids) ids.append(id.c_str(), id.size() + 1);
  w.put<std::uint32_t>(static_cast<std::uint32_t>(ids.size()));
  w.bytes(ids.data(), ids.size());
  if (part.int8) {
    w.bytes(part.vec_q.data(), part.vec_q.size());
    w.bytes(part.vec_scale.data(), 4 * part.vec_scale.size());
  } else {
    w.bytes(part.vec.data(), 4 * part.vec.size());
  }
  w.bytes(part.bias.data(), 4 * part.bias.size());
  w.bytes(part.values.data(), 4 * part.values.size());
  w.bytes(part.available.data(), part.available.size());
  seal_envelope(&out);
  return out;
}

Status read_part(const Model& model, const std::uint8_t* data, std::size_t size, ItemPart* out) {
  ByteReader r(nullptr, 0);
  if (Status s = open_envelope(kPart, data, size, &r); !s.ok()) return s;
  const auto fail = [](const std::string& message) { return Status::error("catalog part: " + message); };
  std::uint64_t fingerprint = 0;
  std::uint32_t dim = 0, features = 0, count = 0, dtype = 0, name_size = 0;
  if (!r.get(&fingerprint) || !r.get(&dim) || !r.get(&features) || !r.get(&count) || !r.get(&dtype) || !r.get(&name_size))
    return fail("truncated (" + std::to_string(size) + " bytes)");
  if (fingerprint != model.fingerprint())
    return fail("made for another model (fingerprint " + hex64(fingerprint) + ", this model " + model.fingerprint_hex() +
                "): parts load into the model file `tandem split` wrote with them");
  const std::size_t d = static_cast<std::size_t>(model.dim()), f = model.weights().catalog.feature_count();
  if (dim != d || features != f)
    return fail("dimension " + std::to_string(dim) + " and " + std::to_string(features) + " item features do not match the model's " +
                std::to_string(d) + " and " + std::to_string(f));
  if (dtype > 1) return fail("item table dtype " + std::to_string(dtype) + " is neither 0 (float32) nor 1 (int8)");
  ItemPart part;
  part.int8 = dtype == 1;
  if (name_size > r.remaining()) return fail("truncated (" + std::to_string(size) + " bytes)");
  part.name.resize(name_size);
  r.bytes(part.name.data(), name_size);
  if (const char* problem = id_problem(part.name)) return fail("its name " + std::string(problem));
  std::uint32_t ids_size = 0;
  if (!r.get(&ids_size) || ids_size > r.remaining()) return fail("truncated (" + std::to_string(size) + " bytes)");
  // Every size follows from N; a file of another size is refused before anything is sized by N.
  const std::uint64_t n = count;
  const std::uint64_t per_item = part_row_bytes(d, f, part.int8);
  const std::uint64_t rest = r.remaining() - ids_size;
  if (n * per_item != rest)
    return fail(std::to_string(size) + " bytes: its " + std::to_string(n) + " items of dimension " + std::to_string(d) + " take " +
                std::to_string(n * per_item) + " bytes after their ids, the file holds " + std::to_string(rest));
  part.ids.resize(count);
  if (Status s = split_strings(data + envelope_header_size(kPart) + r.position(), ids_size, &part.ids); !s.ok())
    return fail("its ids: " + s.message());
  r.skip(ids_size);
  if (part.int8) {
    part.vec_q.resize(n * d);
    part.vec_scale.resize(n);
    r.bytes(part.vec_q.data(), n * d);
    r.bytes(part.vec_scale.data(), 4 * n);
  } else {
    part.vec.resize(n * d);
    r.bytes(part.vec.data(), 4 * n * d);
  }
  part.bias.resize(n);
  part.values.resize(n * f);
  part.available.resize(n);
  r.bytes(part.bias.data(), 4 * n);
  r.bytes(part.values.data(), 4 * n * f);
  r.bytes(part.available.data(), n);
  *out = std::move(part);
  return {};
}

}  // namespace tandem
