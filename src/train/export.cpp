#include "train/export.h"

#include <cctype>
#include <cstdio>

#include "core/hash.h"
#include "core/long_term.h"

namespace tandem::train {

SelfTestSpec real_selftest(const Model& model, const Dataset& data) {
  SelfTestSpec spec;
  std::size_t user = 0;
  while (user + 1 < data.user_count() && data.user_end(user) - data.user_begin(user) < 4) ++user;
  const std::size_t begin = data.user_begin(user), end = data.user_end(user);
  const std::size_t recent = end - begin > 8 ? end - 8 : begin + (end - begin) / 2;
  const Profile profile = encode_history(model, data.events.data() + begin, recent - begin);
  if (!profile.empty()) {  // no history before the recent events: no profile (JSON has no -Infinity)
    spec.profile.resize(profile_length(model));
    profile_to_vector(profile, spec.profile.data());
  }
  for (std::size_t i = recent; i < end; ++i) {
    const Event& e = data.events[i];
    spec.events.push_back({data.item_ids[static_cast<std::size_t>(e.item)],
                           data.event_types[static_cast<std::size_t>(e.type)], e.time});
    spec.candidates.push_back(data.item_ids[static_cast<std::size_t>(e.item)]);
  }
  for (std::size_t j = 0; j < 6 && j < data.item_ids.size(); ++j) spec.candidates.push_back(data.item_ids[j]);
  std::string unknown = "unknown-item";
  while (model.find_item(unknown) >= 0) unknown += "-";
  spec.candidates.push_back(unknown);
  return spec;
}

bool exports_int8(ItemTableType type, std::size_t items) {
  return type == ItemTableType::int8 || (type == ItemTableType::by_size && items >= kInt8FromItems);
}

Status export_model(const Model& trained, const Dataset& data, std::string metadata_json, ItemTableType table,
                    std::shared_ptr<const Model>* model, std::vector<std::uint8_t>* bytes) {
  ModelWeights w = trained.weights();
  w.metadata_json = std::move(metadata_json);
  if (exports_int8(table, w.item_ids.size()) && w.item_vec_q.size() == 0) quantize_item_table(w);
  if (Status s = Model::create(std::move(w), model); !s.ok())
    return Status::error("the exported model is not usable: " + s.message());
  return write_model(**model, real_selftest(**model, data), bytes);
}

std::string profile_file_name(const std::string& user_id) {
  constexpr std::size_t kMaxName = 200, kKept = 160;
  std::string out;
  for (unsigned char c : user_id) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  if (out.empty() || out[0] == '.') out = "%" + out;
  if (out.size() + 8 > kMaxName) {  // 8: ".profile"
    char hash[20];
    std::snprintf(hash, sizeof hash, "~%016llx",
                  static_cast<unsigned long long>(xxh64(user_id.data(), user_id.size())));
    out = out.substr(0, kKept) + hash;
  }
  return out + ".profile";
}

}  // namespace tandem::train
