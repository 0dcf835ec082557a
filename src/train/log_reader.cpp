// Streaming log readers: a line splitter over a ByteSource, a CSV field splitter, and one row
// builder that every format feeds (the CSV formats are presets of the generic delimited reader).
#include "train/log_reader.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "core/catalog.h"
#include "core/hash.h"
#include "core/limits.h"

namespace tandem::train {

FileSource::FileSource(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) status_ = Status::error("cannot open " + path + ": " + std::strerror(errno));
}

FileSource::~FileSource() {
  if (file_) std::fclose(file_);
}

std::size_t FileSource::read(char* buf, std::size_t cap) {
  if (!file_ || !status_.ok()) return 0;
  std::size_t n = std::fread(buf, 1, cap, file_);
  if (n < cap && std::ferror(file_))
    status_ = Status::error("cannot read " + path_ + ": " + std::strerror(errno));
  return n;
}

std::size_t MemorySource::read(char* buf, std::size_t cap) {
  std::size_t n = std::min(cap, bytes_.size() - pos_);
  if (n == 0) return 0;  // an empty view may have a null data(), which memcpy must not get
  std::memcpy(buf, bytes_.data() + pos_, n);
  pos_ += n;
  return n;
}

namespace {

constexpr std::size_t kReportedErrors = 5;
// A header with more columns than this is refused (a row keeps views of the mapped columns only).
constexpr std::size_t kMaxColumns = 4096;

// Why a row's user or item id cannot be an id (core/limits.h), or "".
std::string id_problems(std::string_view user, std::string_view item) {
  if (const char* problem = id_problem(user)) return std::string("the user id ") + problem;
  if (const char* problem = id_problem(item)) return std::string("the item id ") + problem;
  return {};
}

struct FormatName {
  LogFormat format;
  const char* name;
};
constexpr FormatName kFormats[] = {
    {LogFormat::taobao, "taobao"},       {LogFormat::retailrocket, "retailrocket"},
    {LogFormat::yoochoose, "yoochoose"}, {LogFormat::sequences, "sequences"},
    {LogFormat::user_item, "user-item"}, {LogFormat::delimited, "delimited"},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_blank(std::string_view line) {
  return line.find_first_not_of(" \t") == std::string_view::npos;
}


bool is_leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in_month(int y, int m) {
  static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
std::int64_t days_from_civil(std::int64_t y, int m, int d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const std::int64_t yoe = y - era * 400;
  const std::int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// from_chars, unlike strtod, ignores the locale and needs no terminating NUL.
bool parse_double(std::string_view text, double* value) {
  const char* end = text.data() + text.size();
  auto result = std::from_chars(text.data(), end, *value);
  return result.ec == std::errc() && result.ptr == end && !text.empty();
}

// Splits a log into lines without their line breaks (LF or CRLF), holding one chunk plus the
// line in progress. A UTF-8 byte order mark at the start of the first line is dropped.
class LineReader {
 public:
  LineReader(ByteSource& source, std::size_t chunk_size, std::size_t max_line)
      : source_(source), chunk_(chunk_size), max_line_(max_line), buf_(chunk_size) {}

  // The next line; false at the end. A line longer than max_line comes back empty, too_long set.
  bool next(std::string_view* line, bool* too_long) {
    *too_long = false;
    for (;;) {
      const char* found = static_cast<const char*>(
          std::memchr(buf_.data() + scanned_, '\n', end_ - scanned_));
      if (found) {
        std::size_t stop = static_cast<std::size_t>(found - buf_.data());
        emit(line, stop, stop + 1, too_long);
        return true;
      }
      scanned_ = end_;
      if (eof_) {
        if (begin_ == end_ && !skipping_) return false;
        emit(line, end_, end_, too_long);
        return true;
      }
      if (end_ - begin_ > max_line_) {  // drop the overlong line's bytes up to its end
        skipping_ = true;
        begin_ = scanned_ = end_;
      }
      refill();
    }
  }

  std::uint64_t line_number() const { return line_number_; }

 private:
  void emit(std::string_view* line, std::size_t stop, std::size_t next, bool* too_long) {
    *too_long = std::exchange(skipping_, false) || stop - begin_ > max_line_;
    std::size_t start = begin_;
    if (stop > start && buf_[stop - 1] == '\r') --stop;
    if (line_number_ == 0 && stop - start >= 3 && std::memcmp(&buf_[start], "\xEF\xBB\xBF", 3) == 0)
      start += 3;
    *line = *too_long ? std::string_view() : std::string_view(buf_.data() + start, stop - start);
    begin_ = scanned_ = next;
    ++line_number_;
  }

  void refill() {
    std::size_t pending = end_ - begin_;
    std::memmove(buf_.data(), buf_.data() + begin_, pending);
    scanned_ -= begin_;
    begin_ = 0;
    end_ = pending;
    if (buf_.size() < end_ + chunk_) buf_.resize(end_ + chunk_);
    std::size_t n = source_.read(buf_.data() + end_, chunk_);
    end_ += n;
    eof_ = n == 0;
  }

  ByteSource& source_;
  std::size_t chunk_, max_line_;
  std::vector<char> buf_;
  std::size_t begin_ = 0, end_ = 0, scanned_ = 0;  // unread bytes [begin_, end_); no '\n' before scanned_
  bool eof_ = false, skipping_ = false;
  std::uint64_t line_number_ = 0;
};

// Splits one delimited line into fields. Quoted fields ("a,b", "say ""hi""") are unescaped into
// scratch, which is reserved to the line's length first so the views into it stay valid. Only the
// first max_fields fields are kept (a line of a million commas must not cost a million views);
// *count says how many the line has.
bool split_fields(std::string_view line, char delimiter, std::size_t max_fields,
                  std::vector<std::string_view>* fields, std::size_t* count, std::string* scratch,
                  const char** reason) {
  fields->clear();
  scratch->clear();
  *count = 0;
  if (line.find('"') != std::string_view::npos) scratch->reserve(line.size());
  std::size_t i = 0;
  const std::size_t n = line.size();
  for (;;) {
    if (i < n && line[i] == '"') {
      std::size_t start = scratch->size();
      for (++i;; ++i) {
        if (i >= n) {
          *reason = "unterminated quote";
          return false;
        }
        if (line[i] != '"') {
          scratch->push_back(line[i]);
        } else if (i + 1 < n && line[i + 1] == '"') {
          scratch->push_back('"');
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (++*count <= max_fields) fields->emplace_back(scratch->data() + start, scratch->size() - start);
      if (i < n && line[i] != delimiter) {
        *reason = "text after a closing quote";
        return false;
      }
    } else {
      std::size_t stop = std::min(line.find(delimiter, i), n);
      if (++*count <= max_fields) fields->push_back(line.substr(i, stop - i));
      i = stop;
    }
    if (i >= n) return true;
    ++i;
  }
}

// The next space- or tab-separated token of a line from *pos on; false after the last. Tokens are
// taken one at a time so that a long line costs no memory beyond itself.
bool next_token(std::string_view line, std::size_t* pos, std::string_view* token) {
  const std::size_t start = line.find_first_not_of(" \t", *pos);
  if (start == std::string_view::npos) return false;
  const std::size_t stop = std::min(line.find_first_of(" \t", start), line.size());
  *token = line.substr(start, stop - start);
  *pos = stop;
  return true;
}

// Why a line cannot be read as rows before it is split: a carriage return left inside it comes
// from '\n\r' or bare '\r' line breaks, which would glue a '\r' to the next row's first id.
const char* line_problem(std::string_view line) {
  return line.find('\r') == std::string_view::npos ? nullptr
                                                     : "a carriage return inside the line ('\\n\\r' or '\\r' line breaks?)";
}

// Why a time in seconds is not usable: beyond kMaxTimeSeconds (core/limits.h).
std::string time_problem(std::string_view text, double seconds) {
  if (valid_time(seconds)) return {};
  return "time " + quote_value(text) + " is out of range (more than 8.64e12 s, the range of a JavaScript Date, from 1970)";
}

// Strings -> dense ids in first-seen order. The strings lie back to back in one buffer and the
// index is an open-addressing table of ids (linear probing, at most 3/4 full), so an id costs its
// bytes plus 8 for its end and 4 to 10 of table: the dictionaries are what grows with a log
// larger than memory (docs/data.md, "Logs larger than memory").
class Interner {
 public:
  // The id of s and whether it is new.
  std::pair<std::uint32_t, bool> intern(std::string_view s) {
    if ((ends_.size() + 1) * 4 > slots_.size() * 3) grow();
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = xxh64(s.data(), s.size()) & mask;; i = (i + 1) & mask) {
      const std::uint32_t slot = slots_[i];
      if (slot == 0) {
        bytes_.append(s);
        ends_.push_back(bytes_.size());
        slots_[i] = static_cast<std::uint32_t>(ends_.size());
        return {slot_id(slots_[i]), true};
      }
      if (at(slot_id(slot)) == s) return {slot_id(slot), false};
    }
  }
  // The id of s, or -1 when it was never interned.
  std::int64_t find(std::string_view s) const {
    if (slots_.empty()) return -1;
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t i = xxh64(s.data(), s.size()) & mask; slots_[i] != 0; i = (i + 1) & mask)
      if (at(slot_id(slots_[i])) == s) return slot_id(slots_[i]);
    return -1;
  }
  std::size_t size() const { return ends_.size(); }
  // Bytes held: the strings, their ends and the table.
  std::size_t memory() const { return bytes_.capacity() + ends_.capacity() * 8 + slots_.capacity() * 4; }
  std::vector<std::string> take() {
    std::vector<std::uint32_t>().swap(slots_);
    std::vector<std::string> out;
    out.reserve(ends_.size());
    for (std::size_t id = 0; id < ends_.size(); ++id) out.emplace_back(at(id));
    std::string().swap(bytes_);
    std::vector<std::uint64_t>().swap(ends_);
    return out;
  }

 private:
  static std::uint32_t slot_id(std::uint32_t slot) { return slot - 1; }  // slots hold id + 1; 0 is empty
  std::string_view at(std::size_t id) const {
    const std::size_t begin = id == 0 ? 0 : ends_[id - 1];
    return std::string_view(bytes_).substr(begin, ends_[id] - begin);
  }
  void grow() {
    slots_.assign(std::max<std::size_t>(16, slots_.size() * 2), 0);
    const std::size_t mask = slots_.size() - 1;
    for (std::size_t id = 0; id < ends_.size(); ++id) {
      const std::string_view s = at(id);
      std::size_t i = xxh64(s.data(), s.size()) & mask;
      while (slots_[i] != 0) i = (i + 1) & mask;
      slots_[i] = static_cast<std::uint32_t>(id + 1);
    }
  }

  std::string bytes_;                // every string, back to back
  std::vector<std::uint64_t> ends_;  // id -> where its string ends in bytes_
  std::vector<std::uint32_t> slots_;
};

// Where every format's rows go: interning, event types, positions for logs without times, and the
// malformed-row policy.
class RowBuilder {
 public:
  RowBuilder(RowSink* sink, LogReport* report, bool strict, std::string source)
      : sink_(sink), batch_rows_(sink->batch_rows()), report_(report), strict_(strict), source_(std::move(source)) {}

  // Event types fixed up front, in this order; names outside the list are then rejected.
  void fix_event_types(const std::vector<std::pair<std::string, std::string>>& names) {
    mapped_ = !names.empty();
    for (const auto& [from, to] : names) {
      if (event_names_.intern(from).second) name_type_.push_back(to.empty() ? kIgnored : types_.intern(to).first);
    }
  }

  // A mapped event that is no interest in an item: the row is skipped and counted as ignored.
  static constexpr std::uint32_t kIgnored = ~std::uint32_t{0};
  void ignore() { ++report_->ignored; }

  // The event type of a log's event name, interning it when the types are not fixed; why not
  // otherwise. A model tells apart at most kMaxEventTypes types: rows naming one more are
  // malformed, so a few stray names cannot stop a night's training.
  std::string event_type(std::string_view name, std::uint32_t* type) {
    std::int64_t known = event_names_.find(name);
    if (known >= 0) {
      *type = name_type_[static_cast<std::size_t>(known)];
      return {};
    }
    if (mapped_) return "unknown event type " + quote_value(name);
    if (const char* problem = id_problem(name)) return std::string("the event name ") + problem;
    if (types_.size() == kMaxEventTypes)
      return "event type " + quote_value(name) + " would be the 65th; a model tells apart at most 64 (--event-map merges names)";
    *type = types_.intern(name).first;
    event_names_.intern(name);
    name_type_.push_back(*type);
    return {};
  }

  // Records a malformed line. False when strict: reading stops with error(), which names the log.
  bool reject(std::uint64_t line, const std::string& reason) {
    std::string text = "line " + std::to_string(line) + ": " + reason;
    if (strict_) {
      error_ = Status::error(source_ + ": " + text);
      return false;
    }
    ++report_->malformed;
    if (report_->first_errors.size() < kReportedErrors) report_->first_errors.push_back(text);
    return true;
  }
  const Status& error() const { return error_; }

  std::uint32_t user(std::string_view id) {
    auto [u, added] = users_.intern(id);
    if (added) next_position_.push_back(0);
    return u;
  }

  // The item's id; its category (empty: none) counts only while the item has none yet.
  std::uint32_t item(std::string_view id, std::string_view category) {
    auto [i, added] = items_.intern(id);
    if (added) item_category_.push_back(-1);
    if (!category.empty() && item_category_[i] < 0)
      item_category_[i] = static_cast<std::int32_t>(categories_.intern(category).first);
    return i;
  }

  // For logs without times: the user's next position, 0, 1, 2, ...
  double next_position(std::uint32_t user) { return next_position_[user]++; }

  // False when the sink fails: reading stops with error().
  bool add(std::uint32_t user, std::uint32_t item, std::uint32_t type, double time) {
    rows_.push_back({user, item, type, time});
    ++report_->rows;
    return rows_.size() < batch_rows_ || flush();
  }

  // Hands the gathered rows to the sink.
  bool flush() {
    const std::size_t dictionaries = users_.memory() + items_.memory() + categories_.memory() + types_.memory() +
                                     event_names_.memory() + (item_category_.capacity() + next_position_.capacity()) * 4;
    error_ = sink_->take(&rows_, dictionaries);
    rows_.clear();
    return error_.ok();
  }

  void finish(RawLog* out, bool has_timestamps) {
    std::vector<std::uint32_t>().swap(next_position_);  // before the strings are made
    out->users = users_.take();
    out->items = items_.take();
    out->categories = categories_.take();
    out->event_types = types_.take();
    out->item_category = std::move(item_category_);
    out->has_timestamps = has_timestamps;
    out->purchase_event.clear();
    for (const std::string& t : out->event_types) {
      if (t == "purchase" || t == "buy" || t == "transaction") {
        out->purchase_event = t;
        break;
      }
    }
  }

 private:
  RowSink* sink_;
  std::size_t batch_rows_;
  LogReport* report_;
  bool strict_;
  std::string source_;
  Status error_;
  Interner users_, items_, categories_, types_;
  bool mapped_ = false;
  Interner event_names_;                 // the log's own event names
  std::vector<std::uint32_t> name_type_;  // event name -> index into types_
  std::vector<std::int32_t> item_category_;
  std::vector<std::uint32_t> next_position_;
  std::vector<RawRow> rows_;
};

// A delimited format: the column mapping plus what the named formats fix beyond it.
struct Dialect {
  ColumnMapping columns;
  std::size_t fields = 0;                 // exact field count without a header; 0: at least the mapped ones
  std::string single_event = "purchase";  // the event type when there is no event column
  std::string missing_category;           // a category value that means none
};

Dialect dialect_for(const LogOptions& options) {
  Dialect d;
  ColumnMapping& c = d.columns;
  switch (options.format) {
    case LogFormat::taobao:
      c.user = "0", c.item = "1", c.category = "2", c.event = "3", c.time = "4";
      c.event_names = {{"pv", "view"}, {"cart", "cart"}, {"fav", "fav"}, {"buy", "purchase"}};
      d.fields = 5;
      break;
    case LogFormat::retailrocket:
      c.header = true;
      c.user = "visitorid", c.item = "itemid", c.event = "event", c.time = "timestamp";
      c.time_unit = TimeUnit::milliseconds;
      c.event_names = {{"view", "view"}, {"addtocart", "cart"}, {"transaction", "purchase"}};
      break;
    case LogFormat::yoochoose:
      c.user = "0", c.time = "1", c.item = "2", c.category = "3";
      c.time_unit = TimeUnit::iso8601;
      d.fields = 4;
      d.single_event = "click";
      d.missing_category = "0";  // the dataset's own marker for an unknown category
      break;
    default:
      c = options.columns;
  }
  return d;
}

// Column positions once the header (if any) is known; -1 when the log has no such column.
struct Layout {
  int user = -1, item = -1, category = -1, event = -1, time = -1;
  std::size_t exact_fields = 0;  // 0: any count that covers the mapped columns
  std::size_t needed_fields = 0;
};

// A column given as a number rather than a name.
bool parse_index(const std::string& spec, int* index) {
  const char* end = spec.data() + spec.size();
  auto result = std::from_chars(spec.data(), end, *index);
  return result.ec == std::errc() && result.ptr == end && !spec.empty() && is_digit(spec[0]);
}

Status resolve_column(const std::string& spec, const char* role,
                      const std::vector<std::string_view>* header, int* column) {
  *column = -1;
  if (spec.empty()) return Status();
  if (parse_index(spec, column)) {
    if (header && static_cast<std::size_t>(*column) >= header->size())
      return Status::error("the " + std::string(role) + " column " + spec +
                           " is out of range: the header has " + std::to_string(header->size()) +
                           " columns");
    return Status();
  }
  if (!header)
    return Status::error("the " + std::string(role) + " column " + quote_value(spec) +
                         " is a name, but the log has no header");
  for (std::size_t i = 0; i < header->size(); ++i) {
    if ((*header)[i] == spec) {
      *column = static_cast<int>(i);
      return Status();
    }
  }
  return Status::error("the header has no " + std::string(role) + " column " + quote_value(spec));
}

Status check_mapping(const ColumnMapping& c) {
  if (c.user.empty()) return Status::error("the column mapping needs a user column");
  if (c.item.empty()) return Status::error("the column mapping needs an item column");
  if (c.delimiter == '"' || c.delimiter == '\n' || c.delimiter == '\r')
    return Status::error("the delimiter cannot be a quote or a line break");
  return Status();
}

// Resolves the columns against the header, or without one (then names are an error).
Status make_layout(const Dialect& d, const std::vector<std::string_view>* header, Layout* out) {
  const ColumnMapping& c = d.columns;
  Layout l;
  struct {
    const std::string& spec;
    const char* role;
    int* column;
  } columns[] = {{c.user, "user", &l.user},
                 {c.item, "item", &l.item},
                 {c.category, "category", &l.category},
                 {c.event, "event", &l.event},
                 {c.time, "time", &l.time}};
  for (auto& col : columns) {
    Status s = resolve_column(col.spec, col.role, header, col.column);
    if (!s.ok()) return s;
    if (*col.column >= 0)  // + 1 after the cast: a column of INT_MAX must not overflow the int
      l.needed_fields = std::max(l.needed_fields, static_cast<std::size_t>(*col.column) + 1);
  }
  l.exact_fields = header ? header->size() : d.fields;
  *out = l;
  return Status();
}

// A time field in seconds, or why it is not one.
bool parse_time(std::string_view text, TimeUnit unit, double* seconds, std::string* reason) {
  bool ok = unit == TimeUnit::iso8601 ? parse_iso8601(text, seconds) : parse_double(text, seconds);
  if (!ok) {
    *reason = "bad time " + quote_value(text);
    return false;
  }
  if (!std::isfinite(*seconds)) {
    *reason = "time " + quote_value(text) + " is not finite";
    return false;
  }
  if (unit == TimeUnit::milliseconds) *seconds /= 1000;
  *reason = time_problem(text, *seconds);
  return reason->empty();
}

// Reads a delimited log (Taobao, RetailRocket, Yoochoose, generic).
Status read_delimited(LineReader& lines, const Dialect& d, const std::string& name,
                      RowBuilder* rows, bool* has_timestamps, bool* any_data) {
  Layout layout;
  std::vector<std::string_view> fields;
  std::string scratch;
  bool need_header = d.columns.header;
  Status checked = check_mapping(d.columns);
  if (checked.ok() && !need_header) checked = make_layout(d, nullptr, &layout);
  if (!checked.ok()) return checked;
  std::uint32_t single_type = 0;
  if (d.columns.event.empty())
    rows->event_type(d.single_event, &single_type);
  else
    rows->fix_event_types(d.columns.event_names);
  *has_timestamps = !d.columns.time.empty();

  std::string_view line;
  bool too_long = false;
  while (lines.next(&line, &too_long)) {
    const std::uint64_t number = lines.line_number();
    if (too_long) {
      if (!rows->reject(number, "line is too long")) return rows->error();
      continue;
    }
    if (is_blank(line)) continue;
    const char* reason = line_problem(line);
    std::size_t count = 0;
    const std::size_t keep = need_header ? kMaxColumns + 1 : std::max(layout.exact_fields, layout.needed_fields);
    bool split = !reason && split_fields(line, d.columns.delimiter, keep, &fields, &count, &scratch, &reason);
    if (need_header) {
      if (!split) return Status::error(name + ": bad header on line " + std::to_string(number) + ": " + reason);
      if (count > kMaxColumns)
        return Status::error(name + ": the header on line " + std::to_string(number) + " has more than " +
                             std::to_string(kMaxColumns) + " columns");
      Status s = make_layout(d, &fields, &layout);
      if (!s.ok()) return Status::error(name + ": " + s.message());
      need_header = false;
      continue;
    }
    *any_data = true;
    std::string why;
    if (!split) {
      why = reason;
    } else if (layout.exact_fields && count != layout.exact_fields) {
      why = "expected " + std::to_string(layout.exact_fields) + " fields, found " + std::to_string(count);
    } else if (count < layout.needed_fields) {
      why = "expected at least " + std::to_string(layout.needed_fields) + " fields, found " + std::to_string(count);
    } else if (fields[layout.user].empty()) {
      why = "empty user id";
    } else if (fields[layout.item].empty()) {
      why = "empty item id";
    } else {
      why = id_problems(fields[layout.user], fields[layout.item]);
    }
    std::string_view category;
    if (why.empty() && layout.category >= 0 && fields[layout.category] != d.missing_category) {
      category = fields[layout.category];
      if (const char* problem = category.empty() ? nullptr : category_problem(category)) why = std::string("the category ") + problem;
    }
    double time = 0;
    if (why.empty() && layout.time >= 0) parse_time(fields[layout.time], d.columns.time_unit, &time, &why);
    std::uint32_t type = single_type;
    if (why.empty() && layout.event >= 0) why = rows->event_type(fields[layout.event], &type);
    if (!why.empty()) {
      if (!rows->reject(number, why)) return rows->error();
      continue;
    }
    if (type == RowBuilder::kIgnored) {
      rows->ignore();
      continue;
    }
    std::uint32_t user = rows->user(fields[layout.user]);
    std::uint32_t item = rows->item(fields[layout.item], category);
    if (layout.time < 0) time = rows->next_position(user);
    if (!rows->add(user, item, type, time)) return rows->error();
  }
  return Status();
}

// Reads `user i1 i2 ...` lines (sequences) or `user item` lines (user-item), in time order. Each
// item is a row: a bad item id is one malformed row (line and token), the line's other items stay.
Status read_sequences(LineReader& lines, bool pairs, RowBuilder* rows, bool* any_data) {
  std::uint32_t type = 0;
  rows->event_type("purchase", &type);
  std::string_view line, user_id, token;
  bool too_long = false;
  while (lines.next(&line, &too_long)) {
    const std::uint64_t number = lines.line_number();
    std::string why;
    std::size_t pos = 0, tokens = 0;
    if (too_long) {
      why = "line is too long";
    } else if (const char* problem = line_problem(line)) {
      why = problem;
    } else {
      if (!next_token(line, &pos, &user_id)) continue;  // blank
      *any_data = true;
      for (std::size_t p = pos; next_token(line, &p, &token);) ++tokens;
      if (pairs && tokens != 1)
        why = "expected 2 fields, found " + std::to_string(tokens + 1);
      else if (tokens == 0)
        why = "no items after the user id";
      else if (const char* problem = id_problem(user_id))
        why = std::string("the user id ") + problem;
    }
    if (!why.empty()) {
      if (!rows->reject(number, why)) return rows->error();
      continue;
    }
    bool interned = false;  // the user only once one of their items is valid: a bad row adds no ids
    std::uint32_t user = 0;
    for (std::size_t k = 1; next_token(line, &pos, &token); ++k) {
      if (const char* problem = id_problem(token)) {
        if (!rows->reject(number, "item " + std::to_string(k) + ": the item id " + problem)) return rows->error();
        continue;
      }
      if (!std::exchange(interned, true)) user = rows->user(user_id);
      if (!rows->add(user, rows->item(token, {}), type, rows->next_position(user))) return rows->error();
    }
  }
  return Status();
}

}  // namespace

Status parse_event_map_json(std::string_view text, std::vector<std::pair<std::string, std::string>>* out) {
  // ordered: the targets, in the order the map names them, are the event types (the first is a
  // page's default type).
  const nlohmann::ordered_json j = nlohmann::ordered_json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return Status::error("an event map is a JSON object of event names and what they are, e.g. {\"view_item\": \"view\", \"page_view\": null}");
  out->clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (!it.value().is_null() && !it.value().is_string())
      return Status::error("the event map's " + quote_value(it.key()) + " must be an event type name or null");
    const std::string to = it.value().is_null() ? "" : it.value().get<std::string>();
    if (const char* problem = to.empty() ? nullptr : id_problem(to))
      return Status::error("the event map's type for " + quote_value(it.key()) + std::string(" ") + problem);
    out->emplace_back(it.key(), to);
  }
  if (out->empty()) return Status::error("the event map is empty");
  return {};
}

Status parse_log_format(std::string_view name, LogFormat* out) {
  for (const FormatName& f : kFormats) {
    if (name == f.name) {
      *out = f.format;
      return Status();
    }
  }
  return Status::error("unknown log format " + quote_value(name) +
                       " (expected taobao, retailrocket, yoochoose, sequences, user-item or delimited)");
}

const char* log_format_name(LogFormat format) {
  for (const FormatName& f : kFormats)
    if (f.format == format) return f.name;
  return "unknown";
}

Status parse_time_unit(std::string_view name, TimeUnit* out) {
  if (name == "s") *out = TimeUnit::seconds;
  else if (name == "ms") *out = TimeUnit::milliseconds;
  else if (name == "iso8601") *out = TimeUnit::iso8601;
  else return Status::error("unknown time unit " + quote_value(name) + " (expected s, ms or iso8601)");
  return Status();
}

bool parse_iso8601(std::string_view s, double* seconds) {
  std::size_t i = 0;
  auto number = [&](std::size_t width, int* value) {
    if (s.size() - i < width) return false;
    int v = 0;
    for (std::size_t k = 0; k < width; ++k) {
      if (!is_digit(s[i + k])) return false;
      v = v * 10 + (s[i + k] - '0');
    }
    i += width;
    *value = v;
    return true;
  };
  auto skip = [&](char c) {
    bool match = i < s.size() && s[i] == c;
    i += match;
    return match;
  };
  int year, month, day, hour = 0, minute = 0, second = 0;
  if (!number(4, &year) || !skip('-') || !number(2, &month) || !skip('-') || !number(2, &day))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) return false;
  double fraction = 0;
  int offset = 0;  // minutes east of UTC
  if (i < s.size()) {
    if (!skip('T') && !skip(' ')) return false;
    if (!number(2, &hour) || !skip(':') || !number(2, &minute)) return false;
    if (skip(':')) {
      if (!number(2, &second)) return false;
      if (skip('.')) {
        std::size_t start = i;
        double scale = 0.1;
        for (; i < s.size() && is_digit(s[i]); ++i, scale /= 10) fraction += (s[i] - '0') * scale;
        if (i == start) return false;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return false;  // 60: a leap second
    if (!skip('Z') && i < s.size()) {
      int sign = s[i] == '+' ? 1 : s[i] == '-' ? -1 : 0;
      int zone_hours, zone_minutes;
      if (sign == 0) return false;
      ++i;
      if (!number(2, &zone_hours)) return false;
      skip(':');
      if (!number(2, &zone_minutes) || zone_hours > 23 || zone_minutes > 59) return false;
      offset = sign * (zone_hours * 60 + zone_minutes);
    }
    if (i != s.size()) return false;
  }
  std::int64_t whole = days_from_civil(year, month, day) * 86400 + hour * 3600 +
                       (minute - offset) * 60 + second;
  *seconds = static_cast<double>(whole) + fraction;
  return true;
}

Status read_log(ByteSource& source, const LogOptions& options, RowSink* sink, RawLog* out, LogReport* report) {
  LogReport local;
  if (!report) report = &local;
  *report = LogReport();
  if (options.chunk_size == 0 || options.max_line == 0)
    return Status::error("the chunk size and the line limit must be positive");
  LineReader lines(source, options.chunk_size, options.max_line);
  RowBuilder rows(sink, report, options.strict, source.name());
  bool has_timestamps = false, any_data = false;
  Status s;
  if (options.format == LogFormat::sequences || options.format == LogFormat::user_item)
    s = read_sequences(lines, options.format == LogFormat::user_item, &rows, &any_data);
  else
    s = read_delimited(lines, dialect_for(options), source.name(), &rows, &has_timestamps, &any_data);
  report->lines = lines.line_number();
  if (!source.status().ok()) return source.status();
  if (!s.ok()) return s;
  if (!any_data) return Status::error(source.name() + " is empty");
  if (report->rows == 0)
    return Status::error(source.name() + " has no valid rows (" + std::to_string(report->malformed) +
                         " malformed, the first: " + report->first_errors.front() + ")");
  if (!rows.flush()) return rows.error();
  if (Status ended = sink->end(); !ended.ok()) return ended;
  rows.finish(out, has_timestamps);
  return Status();
}

namespace {

// The in-memory path's sink: one batch of every row.
class KeepRows : public RowSink {
 public:
  explicit KeepRows(std::vector<RawRow>* rows) : rows_(rows) {}
  std::size_t batch_rows() const override { return ~std::size_t{0}; }
  Status take(std::vector<RawRow>* rows, std::size_t) override {
    rows_->swap(*rows);
    return {};
  }

 private:
  std::vector<RawRow>* rows_;
};

}  // namespace

Status read_log(ByteSource& source, const LogOptions& options, RawLog* out, LogReport* report) {
  std::vector<RawRow> rows;
  KeepRows sink(&rows);
  const Status s = read_log(source, options, &sink, out, report);
  if (s.ok()) out->rows = std::move(rows);
  return s;
}

Status read_log_file(const std::string& path, const LogOptions& options, RawLog* out, LogReport* report) {
  FileSource source(path);
  if (!source.status().ok()) return source.status();
  return read_log(source, options, out, report);
}

namespace {

// A CSV catalog row's cells as a CatalogItem (header names the columns; empty cells are not given).
std::string catalog_row_from_cells(const std::vector<std::string>& header, const std::vector<std::string_view>& cells,
                                   CatalogItem* out) {
  CatalogItem item;
  bool has_id = false;
  for (std::size_t c = 0; c < header.size(); ++c) {
    const std::string_view cell = cells[c];
    const std::string& name = header[c];
    if (cell.empty()) continue;
    auto number = [&](std::optional<double>* field) -> std::string {
      double v = 0;
      if (!parse_double(cell, &v)) return "bad " + name + " " + quote_value(cell);
      *field = v;
      return {};
    };
    std::string why;
    if (name == "id") item.id = std::string(cell), has_id = true;
    else if (name == "category") item.category = std::string(cell);
    else if (name == "brand") item.brand = std::string(cell);
    else if (name == "price") why = number(&item.price);
    else if (name == "list_price") why = number(&item.list_price);
    else if (name == "discount") why = number(&item.discount);
    else if (name == "available") {
      if (cell == "true" || cell == "1" || cell == "yes") item.available = true;
      else if (cell == "false" || cell == "0" || cell == "no") item.available = false;
      else why = "available " + quote_value(cell) + " is not true or false";
    } else {
      item.extra.emplace_back(name, std::string(cell));
    }
    if (!why.empty()) return why;
  }
  if (!has_id) return "empty id";
  Status s = check_catalog_item(item);
  if (!s.ok()) return s.message();
  *out = std::move(item);
  return {};
}

}  // namespace

Status read_catalog(ByteSource& source, const LogOptions& options, std::vector<CatalogItem>* out, LogReport* report) {
  LogReport local;
  if (!report) report = &local;
  *report = LogReport();
  LineReader lines(source, options.chunk_size, options.max_line);
  std::vector<CatalogItem> items;
  std::unordered_map<std::string, std::uint64_t> first_line;  // id -> the line that listed it
  std::vector<std::string> header;  // CSV only
  bool csv = false, any_data = false;
  std::vector<std::string_view> fields;
  std::string scratch;
  std::string_view line;
  bool too_long = false;
  Status error;
  auto reject = [&](std::uint64_t number, const std::string& reason) {
    const std::string text = "line " + std::to_string(number) + ": " + reason;
    if (options.strict) {
      error = Status::error(source.name() + ": " + text);
      return false;
    }
    ++report->malformed;
    if (report->first_errors.size() < kReportedErrors) report->first_errors.push_back(text);
    return true;
  };
  while (lines.next(&line, &too_long)) {
    const std::uint64_t number = lines.line_number();
    if (!too_long && is_blank(line)) continue;
    const bool first = !any_data;
    any_data = true;
    if (first && !too_long) {
      const std::size_t start = line.find_first_not_of(" \t");
      csv = line[start] != '{';
      if (csv) {  // the header: the columns' names
        const char* reason = line_problem(line);
        std::size_t count = 0;
        if (reason || !split_fields(line, ',', kMaxColumns + 1, &fields, &count, &scratch, &reason))
          return Status::error(source.name() + ": bad header on line " + std::to_string(number) + ": " + reason);
        if (count > kMaxColumns) return Status::error(source.name() + ": the header has more than " + std::to_string(kMaxColumns) + " columns");
        for (std::string_view f : fields) {
          if (const char* problem = id_problem(f))
            return Status::error(source.name() + ": the header's column " + std::to_string(header.size() + 1) + " name " + problem);
          if (std::find(header.begin(), header.end(), f) != header.end())
            return Status::error(source.name() + ": the header names column " + quote_value(f) + " twice");
          header.emplace_back(f);
        }
        if (std::find(header.begin(), header.end(), "id") == header.end())
          return Status::error(source.name() + ": the header has no id column");
        continue;
      }
    }
    ++report->rows;
    CatalogItem item;
    std::string why;
    if (too_long) {
      why = "line is too long";
    } else if (const char* problem = line_problem(line)) {
      why = problem;
    } else if (csv) {
      const char* reason = nullptr;
      std::size_t count = 0;
      if (!split_fields(line, ',', header.size(), &fields, &count, &scratch, &reason)) why = reason;
      else if (count != header.size()) why = "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(count);
      else why = catalog_row_from_cells(header, fields, &item);
    } else {
      Status s = parse_catalog_item(line, &item);
      if (!s.ok()) why = s.message();
    }
    if (why.empty()) {
      auto [it, added] = first_line.emplace(item.id, number);
      if (!added) why = "item " + quote_value(item.id) + " is listed again (first on line " + std::to_string(it->second) + ")";
    }
    if (!why.empty()) {
      --report->rows;
      if (!reject(number, why)) return error;
      continue;
    }
    items.push_back(std::move(item));
  }
  report->lines = lines.line_number();
  if (!source.status().ok()) return source.status();
  if (!any_data) return Status::error(source.name() + " is empty");
  if (items.empty())
    return Status::error(source.name() + " has no valid rows (" + std::to_string(report->malformed) + " malformed" +
                         (report->first_errors.empty() ? std::string(")") : ", the first: " + report->first_errors.front() + ")"));
  *out = std::move(items);
  return Status();
}

Status read_catalog_file(const std::string& path, const LogOptions& options, std::vector<CatalogItem>* out,
                         LogReport* report) {
  FileSource source(path);
  if (!source.status().ok()) return source.status();
  return read_catalog(source, options, out, report);
}

}  // namespace tandem::train
