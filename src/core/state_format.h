// What a shopper's browser keeps between page loads: the session's state as bytes. An envelope
// (envelope.h) with magic "TNDS", version 2, whose payload is:
//
//   size      what
//   8         model fingerprint, uint64 (the numbers below only ever meet their own model)
//   4         dim d, uint32
//   4         events in the window W, uint32
//   1         whether there was an event (has_last), uint8
//   8         the latest event time, float64 seconds
//   8 x 4     counters: events, unknown items, sessions; events not folded into the profile
//   4d x 3    float32: LSTM h, LSTM c, the profile's pooled vector
//   4         float32: the profile's log mass
//   16W       the window, oldest first: item row int32, type int32, time float64
//   ...       the window again by name, oldest first: item id (uint16 length, bytes), event type
//             (uint16 length, bytes)
//
// Version 1 (the same without the names) is still read. A version 2 window is read by name: an
// event whose row names another item in this model (rows a page appended: items it added, catalog
// parts it loaded, in another order) moves to its item's row, or leaves the window when the model
// does not have the item now. Reading checks every value against what
// the model can produce (core/limits.h), so a restored state always scores finitely.
//
// A state saved for another model (a retrain since the page saved it) cannot be restored: its
// LSTM numbers, profile and rows belong to that model. What carries over is the window by name,
// which the new model replays (Session::restore_state); the LSTM state built from events before
// the window, and the profile with the sessions folded into it, are lost (docs/js-lifetimes.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/event.h"
#include "core/long_term.h"
#include "core/model.h"

namespace tandem {

struct SessionCounters {
  std::uint64_t events = 0;         // events that updated the state
  std::uint64_t unknown_items = 0;  // events whose item the model does not know (ignored)
  std::uint64_t sessions = 0;       // short-term sessions started (first event, or after a timeout)
};

struct SessionState {
  Vector h, c;                // LSTM state, d each
  Profile profile;
  std::vector<Event> window;  // the recent events, oldest first (at most the model's window)
  bool has_last = false;
  double last_time = 0;
  SessionCounters counters;
  std::uint64_t unfolded = 0;  // newest events of the window not folded into the profile yet
};

// A recent event by name, as another model replays it.
struct NamedEvent {
  std::string item, type;
  double time = 0;
};

std::vector<std::uint8_t> write_state(const Model& model, const SessionState& state);
// Errors begin "session state: ". *out is written only when the whole state is valid. A valid
// state saved for another model is an error, unless `replay` is given and the state names its
// events (version 2): then *replay gets them, *out is left as it is, and the result is ok.
Status read_state(const Model& model, const std::uint8_t* data, std::size_t size, SessionState* out,
                  std::optional<std::vector<NamedEvent>>* replay = nullptr);

}  // namespace tandem
