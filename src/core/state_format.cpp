#include "core/state_format.h"

#include <cmath>
#include <string>

#include "core/bytes.h"
#include "core/envelope.h"
#include "core/hash.h"
#include "core/limits.h"

namespace tandem {

namespace {
constexpr EnvelopeKind kState{"session state", "TNDS", 2};
constexpr EnvelopeKind kStateV1{"session state", "TNDS", 1};  // before the window by name

// The window by name (version 2), `count` events; false when truncated or out of shape.
bool read_names(ByteReader& r, std::size_t count, std::vector<NamedEvent>* out) {
  out->resize(count);
  for (NamedEvent& e : *out) {
    std::uint16_t id_size = 0, type_size = 0;
    if (!r.get(&id_size) || id_size == 0 || id_size > kMaxIdBytes || id_size > r.remaining()) return false;
    e.item.resize(id_size);
    if (!r.bytes(e.item.data(), id_size) || !r.get(&type_size) || type_size == 0 || type_size > kMaxIdBytes ||
        type_size > r.remaining())
      return false;
    e.type.resize(type_size);
    if (!r.bytes(e.type.data(), type_size)) return false;
  }
  return true;
}
}  // namespace

std::vector<std::uint8_t> write_state(const Model& model, const SessionState& st) {
  const std::size_t d = static_cast<std::size_t>(model.dim());
  std::vector<std::uint8_t> out;
  begin_envelope(kState, &out);
  ByteWriter w(out);
  w.put<std::uint64_t>(model.fingerprint());
  w.put<std::uint32_t>(static_cast<std::uint32_t>(d));
  w.put<std::uint32_t>(static_cast<std::uint32_t>(st.window.size()));
  w.put<std::uint8_t>(st.has_last ? 1 : 0);
  w.put<double>(st.last_time);
  w.put<std::uint64_t>(st.counters.events);
  w.put<std::uint64_t>(st.counters.unknown_items);
  w.put<std::uint64_t>(st.counters.sessions);
  w.put<std::uint64_t>(st.unfolded);
  w.bytes(st.h.data(), sizeof(float) * d);
  w.bytes(st.c.data(), sizeof(float) * d);
  w.bytes(st.profile.pooled.data(), sizeof(float) * d);
  w.put<float>(st.profile.log_mass);
  for (const Event& e : st.window) {
    w.put<std::int32_t>(e.item);
    w.put<std::int32_t>(e.type);
    w.put<double>(e.time);
  }
  for (const Event& e : st.window) {
    const std::string& id = model.weights().item_ids[static_cast<std::size_t>(e.item)];
    const std::string& type = model.config().event_types[static_cast<std::size_t>(e.type)];
    w.put<std::uint16_t>(static_cast<std::uint16_t>(id.size()));
    w.bytes(id.data(), id.size());
    w.put<std::uint16_t>(static_cast<std::uint16_t>(type.size()));  // ids and names: at most kMaxIdBytes
    w.bytes(type.data(), type.size());
  }
  seal_envelope(&out);
  return out;
}

Status read_state(const Model& model, const std::uint8_t* data, std::size_t size, SessionState* out,
                  std::optional<std::vector<NamedEvent>>* replay) {
  const std::string what = "session state: ";
  ByteReader r(nullptr, 0);
  std::uint32_t version = kState.version;
  Status opened = open_envelope(kState, data, size, &r);
  if (!opened.ok() && open_envelope(kStateV1, data, size, &r).ok()) opened = {}, version = 1;
  if (!opened.ok()) return opened;
  std::uint32_t dim = 0, count = 0;
  std::uint64_t fingerprint = 0;
  std::uint8_t has_last = 0;
  double last_time = 0;
  SessionCounters counters;
  std::uint64_t unfolded = 0;
  bool ok = r.get(&fingerprint) && r.get(&dim) && r.get(&count) && r.get(&has_last) && r.get(&last_time) &&
            r.get(&counters.events) && r.get(&counters.unknown_items) && r.get(&counters.sessions) && r.get(&unfolded);
  if (!ok) return Status::error(what + "truncated header");
  if (fingerprint != model.fingerprint()) {
    const std::string other = what + "saved for another model (fingerprint " + hex64(fingerprint) + ", this model " +
                              model.fingerprint_hex() + ")";
    if (!replay || version < 2) return Status::error(other);
    // That model's numbers are skipped: only the window by name carries over.
    const std::size_t numbers = (3 * static_cast<std::size_t>(dim) + 1) * sizeof(float) + static_cast<std::size_t>(count) * 16;
    if (dim == 0 || dim > 4096 || numbers > r.remaining()) return Status::error(other + ": truncated");
    std::vector<double> times(count);
    r.skip(numbers - static_cast<std::size_t>(count) * 16);
    for (double& t : times) {
      std::int32_t row = 0, type = 0;
      r.get(&row), r.get(&type), r.get(&t);
      if (!valid_time(t)) return Status::error(other + ": an event time is out of range");
    }
    std::vector<NamedEvent> events;
    if (!read_names(r, count, &events) || r.remaining() != 0) return Status::error(other + ": the events' names are out of shape");
    for (std::size_t i = 0; i < count; ++i) events[i].time = times[i];
    *replay = std::move(events);
    return {};
  }
  if (dim != static_cast<std::uint32_t>(model.dim())) return Status::error(what + "dimension " + std::to_string(dim) + " does not match the model");
  if (count > static_cast<std::uint32_t>(model.config().window)) return Status::error(what + "holds more recent events than the model's window");
  const std::size_t fbytes = sizeof(float) * static_cast<std::size_t>(model.dim());
  Vector h(model.dim()), c(model.dim());
  std::vector<float> profile_values(profile_length(model));
  ok = r.bytes(h.data(), fbytes) && r.bytes(c.data(), fbytes) &&
       r.bytes(profile_values.data(), sizeof(float) * profile_values.size());
  if (!ok) return Status::error(what + "truncated vectors");
  if (!h.allFinite() || !c.allFinite() || !std::isfinite(last_time))
    return Status::error(what + "holds non-finite values");
  // What the LSTM can produce (core/limits.h): anything else is corrupt and would overflow scores.
  if (h.cwiseAbs().maxCoeff() > 1 || c.cwiseAbs().maxCoeff() > kMaxCell)
    return Status::error(what + "the short-term state is out of range (|h| <= 1, |c| <= " + format_number(kMaxCell) + ")");
  if (!valid_time(last_time)) return Status::error(what + "the last event time is out of range");
  Profile profile;
  Status s = profile_from_vector(model, profile_values.data(), profile_values.size(), &profile);
  if (!s.ok()) return Status::error(what + s.message());
  std::vector<Event> events(count);
  for (Event& e : events) {
    if (!(r.get(&e.item) && r.get(&e.type) && r.get(&e.time))) return Status::error(what + "truncated event window");
    // Version 2 names each row's item: a row is checked against its name below.
    if ((version < 2 && (e.item < 0 || e.item >= model.item_count())) || e.type < 0 || e.type >= model.event_type_count() ||
        !valid_time(e.time))
      return Status::error(what + "holds an event the model cannot have produced");
  }
  std::vector<NamedEvent> names;
  if (version >= 2 && !read_names(r, count, &names)) return Status::error(what + "the events' names are out of shape");
  if (r.remaining() != 0) return Status::error(what + std::to_string(r.remaining()) + " unexpected trailing bytes");
  // Rows past the model file's own (items a page added, catalog parts it loaded) depend on what the
  // page added and in which order: an event whose row names another item now is moved to its
  // item's row, or dropped from the window when this page does not have the item (its effect on
  // the short-term state stays).
  if (version >= 2) {
    std::size_t kept = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
      Event e = events[i];
      const bool same = e.item >= 0 && e.item < model.item_count() && model.weights().item_ids[static_cast<std::size_t>(e.item)] == names[i].item;
      if (!same) e.item = model.find_item(names[i].item);
      if (e.item >= 0) events[kept++] = e;
    }
    events.resize(kept);
  }

  // Everything is valid: only now is *out written.
  out->h = std::move(h);
  out->c = std::move(c);
  out->profile = std::move(profile);
  out->window = std::move(events);
  out->has_last = has_last != 0;
  out->last_time = last_time;
  out->counters = counters;
  out->unfolded = unfolded;
  return {};
}

}  // namespace tandem
