// The Embind layer: a thin surface over src/core for js/. It never throws (the wasm build has no
// C++ exceptions): calls that can fail return an error string, empty on success, and the JS layer
// raises it as an Error. Arrays cross the boundary as one block in wasm memory (addresses passed
// as numbers), never element by element.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/catalog.h"
#include "core/long_term.h"
#include "core/model_format.h"
#include "core/part_format.h"
#include "core/profile_format.h"
#include "core/session.h"

namespace tandem::bindings {

template <class T>
T* at(std::uintptr_t address) {
  return reinterpret_cast<T*>(address);
}

class ModelHandle {
 public:
  // Takes the model file `bytes` (malloc'ed by the caller) for good: the model reads its item table
  // in place and frees them when it goes; they are freed now if the file is refused.
  std::string load(std::uintptr_t bytes, std::size_t size, bool verify) {
    std::shared_ptr<const void> file(at<void>(bytes), [](const void* p) { std::free(const_cast<void*>(p)); });
    LoadedModel loaded;
    Status s = read_model(at<const std::uint8_t>(bytes), size, ReadOptions{verify, file}, &loaded);
    if (!s.ok()) return s.message();
    model_ = std::move(loaded.model);
    return "";
  }
  std::shared_ptr<const Model> model() const { return model_; }

  // Catalog rows as a JSON array (core/catalog.h): known ids updated, new ones added. Sessions see
  // the change at once (rows never move). Returns the error, "" on success; nothing changes on one.
  std::string updateItems(const std::string& json) {
    std::vector<CatalogItem> items;
    Status s = parse_catalog_items(json, &items);
    if (s.ok()) s = model_->update_items(items);
    return s.message();
  }
  // A catalog part file (core/part_format.h) at `bytes`: its rows added, known ids taking its
  // rows. Returns the error, "" on success; nothing changes on one. The caller frees the bytes.
  std::string addPart(std::uintptr_t bytes, std::size_t size) {
    ItemPart part;
    Status s = read_part(*model_, at<const std::uint8_t>(bytes), size, &part);
    if (s.ok()) s = model_->add_part(part);
    return s.message();
  }
  // Delists ids given as findItems takes them; returns how many were listed.
  int removeItems(std::uintptr_t bytes, std::uintptr_t lengths, std::size_t count) {
    const char* p = at<const char>(bytes);
    const std::int32_t* length = at<const std::int32_t>(lengths);
    std::vector<std::string> ids;
    for (std::size_t i = 0; i < count; ++i) {
      if (length[i] < 0) continue;
      ids.emplace_back(p, static_cast<std::size_t>(length[i]));
      p += length[i];
    }
    return static_cast<int>(model_->remove_items(ids));
  }
  bool recommendable(int row) const { return row >= 0 && row < model_->item_count() && model_->recommendable(row); }

  int itemCount() const { return model_->item_count(); }
  int dim() const { return model_->dim(); }
  int profileLength() const { return static_cast<int>(profile_length(*model_)); }
  bool quantized() const { return model_->quantized(); }
  std::string fingerprint() const { return model_->fingerprint_hex(); }
  int findItem(const std::string& id) const { return model_->find_item(id); }
  // The rows of `count` ids in one call: their UTF-8 bytes back to back at `bytes`, their byte
  // lengths at `lengths` (int32; -1: not an id, row -1), the rows written to `rows`.
  void findItems(std::uintptr_t bytes, std::uintptr_t lengths, std::size_t count, std::uintptr_t rows) const {
    const char* p = at<const char>(bytes);
    const std::int32_t* length = at<const std::int32_t>(lengths);
    std::int32_t* out = at<std::int32_t>(rows);
    for (std::size_t i = 0; i < count; ++i) {
      if (length[i] < 0) {
        out[i] = -1;
        continue;
      }
      out[i] = model_->find_item(std::string_view(p, static_cast<std::size_t>(length[i])));
      p += length[i];
    }
  }
  std::string itemId(int row) const {
    return row >= 0 && row < model_->item_count() ? model_->weights().item_ids[static_cast<std::size_t>(row)] : "";
  }
  int eventTypeCount() const { return model_->event_type_count(); }
  std::string eventType(int i) const { return model_->config().event_types[static_cast<std::size_t>(i)]; }
  std::string purchaseEvent() const { return model_->config().purchase_event; }
  std::string fusion() const { return fusion_name(model_->config().fusion); }
  std::string metadata() const { return model_->weights().metadata_json; }

 private:
  std::shared_ptr<Model> model_;
};

class SessionHandle {
 public:
  explicit SessionHandle(const ModelHandle& model) : session_(model.model()) {}

  // price, discount: NaN for the catalog's.
  std::string observe(int row, int type, double time, double price, double discount) {
    return session_.observe(row, type, time, price, discount).message();
  }
  std::string setProfile(std::uintptr_t values, std::size_t count) {
    return session_.set_profile(at<const float>(values), count).message();
  }
  std::string setProfileFile(std::uintptr_t bytes, std::size_t size) {
    Profile p;
    Status s = read_profile(session_.model(), at<const std::uint8_t>(bytes), size, &p);
    if (s.ok()) session_.set_profile(p);
    return s.message();
  }
  void clearProfile() { session_.clear_profile(); }
  void profile(std::uintptr_t out) const { profile_to_vector(session_.profile(), at<float>(out)); }
  bool hasProfile() const { return !session_.profile().empty(); }
  void foldRecentEvents() { session_.fold_recent_events(); }
  void reset() { session_.reset(); }
  // 1: the visit had ended and the short-term state was reset, 0: it goes on (JS checks the time).
  int resumeAt(double now) {
    bool ended = false;
    return session_.resume_at(now, &ended).ok() && ended ? 1 : 0;
  }

  // prices, discounts: float64 per candidate (NaN: the catalog's), or 0 for none.
  int rerank(std::uintptr_t rows, std::size_t count, std::size_t top, bool keep_order, std::uintptr_t positions,
             std::uintptr_t scores, std::uintptr_t long_share, std::uintptr_t prices, std::uintptr_t discounts) {
    return static_cast<int>(session_.rerank(at<const std::int32_t>(rows), count, top, at<std::int32_t>(positions),
                                            at<float>(scores), at<float>(long_share), keep_order,
                                            at<const double>(prices), at<const double>(discounts)));
  }
  int recommend(std::size_t k, int exclude, std::uintptr_t excluded, std::size_t excluded_count, std::uintptr_t rows,
                std::uintptr_t scores) {
    const Exclude mode = exclude == 1 ? Exclude::purchased : exclude == 2 ? Exclude::seen : Exclude::none;
    return static_cast<int>(session_.recommend(k, mode, at<const std::int32_t>(excluded), excluded_count,
                                               at<std::int32_t>(rows), at<float>(scores)));
  }
  float gateMean() { return session_.gate_mean(); }
  double events() const { return static_cast<double>(session_.counters().events); }
  double unknownItems() const { return static_cast<double>(session_.counters().unknown_items); }
  double sessions() const { return static_cast<double>(session_.counters().sessions); }
  int recentCount() const { return static_cast<int>(session_.recent_count()); }
  int recentItem(int i) const { return session_.recent(static_cast<std::size_t>(i)).item; }
  int recentType(int i) const { return session_.recent(static_cast<std::size_t>(i)).type; }
  double recentTime(int i) const { return session_.recent(static_cast<std::size_t>(i)).time; }

  // The saved state as a view into wasm memory, valid until the next call: JS copies it at once.
  emscripten::val saveState() {
    state_ = session_.save_state();
    return emscripten::val(emscripten::typed_memory_view(state_.size(), state_.data()));
  }
  std::string restoreState(std::uintptr_t bytes, std::size_t size) {
    replayed_ = {};
    return session_.restore_state(at<const std::uint8_t>(bytes), size, &replayed_).message();
  }
  // What the last restoreState did with a state saved for another model (Session::Replayed).
  emscripten::val lastReplay() const {
    emscripten::val out = emscripten::val::object();
    out.set("fromOtherModel", replayed_.from_other_model);
    out.set("events", static_cast<double>(replayed_.events));
    out.set("unknownItems", static_cast<double>(replayed_.unknown_items));
    out.set("unknownTypes", static_cast<double>(replayed_.unknown_types));
    return out;
  }

 private:
  Session session_;
  Session::Replayed replayed_;
  std::vector<std::uint8_t> state_;
};

EMSCRIPTEN_BINDINGS(tandem) {
  using namespace emscripten;
  class_<ModelHandle>("ModelHandle")
      .constructor<>()
      .function("load", &ModelHandle::load)
      .function("itemCount", &ModelHandle::itemCount)
      .function("dim", &ModelHandle::dim)
      .function("profileLength", &ModelHandle::profileLength)
      .function("quantized", &ModelHandle::quantized)
      .function("fingerprint", &ModelHandle::fingerprint)
      .function("findItem", &ModelHandle::findItem)
      .function("findItems", &ModelHandle::findItems)
      .function("updateItems", &ModelHandle::updateItems)
      .function("removeItems", &ModelHandle::removeItems)
      .function("addPart", &ModelHandle::addPart)
      .function("recommendable", &ModelHandle::recommendable)
      .function("itemId", &ModelHandle::itemId)
      .function("eventTypeCount", &ModelHandle::eventTypeCount)
      .function("eventType", &ModelHandle::eventType)
      .function("purchaseEvent", &ModelHandle::purchaseEvent)
      .function("fusion", &ModelHandle::fusion)
      .function("metadata", &ModelHandle::metadata);
  class_<SessionHandle>("SessionHandle")
      .constructor<const ModelHandle&>()
      .function("observe", &SessionHandle::observe)
      .function("setProfile", &SessionHandle::setProfile)
      .function("setProfileFile", &SessionHandle::setProfileFile)
      .function("clearProfile", &SessionHandle::clearProfile)
      .function("profile", &SessionHandle::profile)
      .function("hasProfile", &SessionHandle::hasProfile)
      .function("foldRecentEvents", &SessionHandle::foldRecentEvents)
      .function("reset", &SessionHandle::reset)
      .function("resumeAt", &SessionHandle::resumeAt)
      .function("rerank", &SessionHandle::rerank)
      .function("recommend", &SessionHandle::recommend)
      .function("gateMean", &SessionHandle::gateMean)
      .function("events", &SessionHandle::events)
      .function("unknownItems", &SessionHandle::unknownItems)
      .function("sessions", &SessionHandle::sessions)
      .function("recentCount", &SessionHandle::recentCount)
      .function("recentItem", &SessionHandle::recentItem)
      .function("recentType", &SessionHandle::recentType)
      .function("recentTime", &SessionHandle::recentTime)
      .function("saveState", &SessionHandle::saveState)
      .function("restoreState", &SessionHandle::restoreState)
      .function("lastReplay", &SessionHandle::lastReplay);
}

}  // namespace tandem::bindings
