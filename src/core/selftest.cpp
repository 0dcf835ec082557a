#include "core/selftest.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

#include "core/json_reader.h"
#include "core/long_term.h"
#include "core/session.h"

namespace tandem {

using json = nlohmann::json;

Status run_selftest(const Model& model, const SelfTestSpec& spec, std::vector<float>* got) {
  Session session(std::shared_ptr<const Model>(&model, [](const Model*) {}));
  for (std::size_t i = 0; i < spec.events.size(); ++i) {
    const auto& e = spec.events[i];
    const int type = model.find_event_type(e.type);
    if (type < 0) return Status::error("self-test event " + std::to_string(i) + " has unknown type '" + e.type + "'");
    Status s = session.observe(model.find_item(e.item), type, e.time);
    if (!s.ok()) return Status::error("self-test event " + std::to_string(i) + ": " + s.message());
  }
  if (!spec.profile.empty()) {
    Status s = session.set_profile(spec.profile.data(), spec.profile.size());
    if (!s.ok()) return Status::error("self-test " + s.message());
  }
  std::vector<std::int32_t> rows;
  for (const auto& id : spec.candidates) rows.push_back(model.find_item(id));
  got->assign(rows.size(), 0.0f);
  session.score(rows.data(), rows.size(), got->data());
  return {};
}


SelfTestSpec default_selftest(const Model& model) {
  SelfTestSpec spec;
  const std::int32_t n = model.item_count();
  const auto& ids = model.weights().item_ids;
  const auto& types = model.config().event_types;
  for (std::int32_t i = 0; i < std::min<std::int32_t>(n, 6); ++i)
    spec.events.push_back({ids[static_cast<std::size_t>(i)], types[static_cast<std::size_t>(i) % types.size()],
                           model.config().time_origin_s + 40.0 * i});
  std::vector<Event> history;
  for (std::int32_t i = 0; i < std::min<std::int32_t>(n, 3); ++i)
    history.push_back(Event{n - 1 - i, 0, model.config().time_origin_s - 86400.0 * (i + 1)});
  Profile profile = encode_history(model, history.data(), history.size());
  spec.profile.resize(profile_length(model));
  profile_to_vector(profile, spec.profile.data());
  for (std::int32_t i = 0; i < std::min<std::int32_t>(n, 10); ++i) spec.candidates.push_back(ids[static_cast<std::size_t>(i)]);
  std::string unknown = "unknown-item";
  while (model.find_item(unknown) >= 0) unknown += "-";
  spec.candidates.push_back(unknown);
  return spec;
}

Status selftest_json(const Model& model, const SelfTestSpec& spec, std::string* out) {
  std::vector<float> scores;
  Status s = run_selftest(model, spec, &scores);
  if (!s.ok()) return s;
  json events = json::array();
  for (const auto& e : spec.events) events.push_back(json{{"item", e.item}, {"type", e.type}, {"time", e.time}});
  *out = json{{"events", events},
              {"profile", spec.profile.empty() ? json(nullptr) : json(spec.profile)},
              {"candidates", spec.candidates},
              {"scores", scores},
              {"tolerance", spec.tolerance}}
             .dump();
  return {};
}

Status verify_selftest(const Model& model, const std::string& header_json) {
  // Parsed through a pointer range, as the model reader parses: one instantiation of the parser.
  const char* text = header_json.data();
  const json header = json::parse(text, text + header_json.size(), nullptr, false);
  HeaderReader r;
  const json* st = r.field(header, "selftest", "header");
  SelfTestSpec spec;
  std::vector<float> want_scores;
  if (st) {
    const json* events = r.field(*st, "events", "selftest");
    if (events && !events->is_array()) r.fail("selftest.events must be an array");
    for (std::size_t i = 0; events && !r.failed() && i < events->size(); ++i) {
      SelfTestSpec::Step step;
      const std::string path = "selftest.events[" + std::to_string(i) + "]";
      r.string((*events)[i], "item", path, &step.item);
      r.string((*events)[i], "type", path, &step.type);
      r.number((*events)[i], "time", path, &step.time);
      spec.events.push_back(step);
    }
    const json* profile = r.field(*st, "profile", "selftest");
    if (profile && !profile->is_null()) {
      if (!profile->is_array()) r.fail("selftest.profile must be an array or null");
      for (std::size_t i = 0; !r.failed() && i < profile->size(); ++i) {
        const json& v = (*profile)[i];
        if (!v.is_number()) r.fail("selftest.profile[" + std::to_string(i) + "] must be a number");
        else spec.profile.push_back(v.get<float>());
      }
    }
    r.strings(*st, "candidates", "selftest", &spec.candidates);
    r.number(*st, "tolerance", "selftest", &spec.tolerance);
    if (!r.failed() && !(spec.tolerance >= kMinSelfTestTolerance && spec.tolerance <= 1))
      r.fail("selftest.tolerance must be between " + format_number(kMinSelfTestTolerance) +
             " and 1 (native and wasm builds round differently), got " + format_number(spec.tolerance));
    const json* scores = r.field(*st, "scores", "selftest");
    if (scores && (!scores->is_array() || scores->size() != spec.candidates.size()))
      r.fail("selftest.scores must be an array with one number per candidate");
    for (std::size_t i = 0; !r.failed() && i < scores->size(); ++i) {
      if (!(*scores)[i].is_number()) r.fail("selftest.scores[" + std::to_string(i) + "] must be a number");
      else want_scores.push_back((*scores)[i].get<float>());
    }
  }
  if (r.failed()) return Status::error("self-test is malformed: " + r.error());
  std::vector<float> got;
  Status s = run_selftest(model, spec, &got);
  if (!s.ok()) return Status::error(s.message());
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double tol = spec.tolerance * std::max(1.0, std::fabs(static_cast<double>(want_scores[i])));
    if (!(std::fabs(static_cast<double>(got[i]) - want_scores[i]) <= tol)) {
      return Status::error("self-test failed: candidate '" + spec.candidates[i] + "' scored " + format_number(got[i]) +
                  ", the file expects " + format_number(want_scores[i]) + " (tolerance " +
                  format_number(spec.tolerance) + ")");
    }
  }
  return {};
}

}  // namespace tandem
