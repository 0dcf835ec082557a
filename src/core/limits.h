// The ranges every id and number from outside the engine must lie in: log rows, model files,
// profiles, saved states and the page's arguments are all checked against these, so that any
// accepted input gives finite scores and a finite gate (docs/reliability.md derives the bounds).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace tandem {

// Times are seconds; |t| <= 8.64e12 is the range of a JavaScript Date (100 million days either
// side of 1970), so every time a page can name is accepted, and every time difference and the
// long-term recency term stay far inside float range.
constexpr double kMaxTimeSeconds = 8.64e12;
inline bool valid_time(double seconds) { return seconds >= -kMaxTimeSeconds && seconds <= kMaxTimeSeconds; }

// Ids (items, users, categories, event types): 1..1024 bytes of UTF-8 without control characters,
// so that every writer (the model file's NUL-terminated id table, JSON headers, file names) can
// carry them unchanged.
constexpr std::size_t kMaxIdBytes = 1024;
// Why `id` cannot be an id ("is empty", "is not valid UTF-8", ...), or nullptr when it can.
const char* id_problem(std::string_view id);

// A model tells apart at most this many event types (its type embeddings and repeat weights).
constexpr std::size_t kMaxEventTypes = 64;

// |w| of every model weight (an int8 row's scale times 127 included). With d <= 4096 this keeps
// every product on the way to a score below 1e30, far from float's 3.4e38.
constexpr float kMaxWeight = 1e4f;

// |c| of a restored LSTM cell: a cell grows by at most 1 per event, so an honest state stays far
// below this; |h| is at most 1 (h = o * tanh(c)).
constexpr float kMaxCell = 1e6f;

// A value quoted in a message, at most 40 bytes of it, bytes that are not printable ASCII or
// valid UTF-8 written as \xNN, so a bad input can neither flood nor corrupt an error message.
std::string quote_value(std::string_view value);

}  // namespace tandem
