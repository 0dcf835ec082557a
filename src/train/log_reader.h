// Interaction logs -> interned rows (RawLog), streamed in chunks so memory stays bounded by the
// interned ids and the rows, never the file. Parsers take bytes from a ByteSource: the CLI reads a
// file, a fuzzer or a test hands over a byte span. Formats and the malformed-row policy are in
// docs/data.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/catalog.h"
#include "core/status.h"

namespace tandem::train {

// Where the bytes of a log come from.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Copies up to cap bytes into buf; 0 means the end (or a failure, see status()).
  virtual std::size_t read(char* buf, std::size_t cap) = 0;
  // Why reading stopped early (cannot open, read error); ok at a clean end.
  virtual Status status() const { return Status(); }
  // How messages name the log, e.g. the file path.
  virtual const std::string& name() const = 0;
};

class FileSource : public ByteSource {
 public:
  explicit FileSource(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;
  std::size_t read(char* buf, std::size_t cap) override;
  Status status() const override { return status_; }
  const std::string& name() const override { return path_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  Status status_;
};

// Does not own the bytes; they must outlive the source.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string_view bytes, std::string name = "input")
      : bytes_(bytes), name_(std::move(name)) {}
  std::size_t read(char* buf, std::size_t cap) override;
  const std::string& name() const override { return name_; }

 private:
  std::string_view bytes_;
  std::size_t pos_ = 0;
  std::string name_;
};

enum class LogFormat { taobao, retailrocket, yoochoose, sequences, user_item, delimited };

// Names as the CLI spells them: taobao, retailrocket, yoochoose, sequences, user-item, delimited.
Status parse_log_format(std::string_view name, LogFormat* out);
const char* log_format_name(LogFormat format);

enum class TimeUnit { seconds, milliseconds, iso8601 };

// s, ms, iso8601.
Status parse_time_unit(std::string_view name, TimeUnit* out);

// ISO-8601 date-time -> unix seconds (UTC), e.g. 2014-04-07T10:51:09.277Z. Accepts a 'T' or a space
// between date and time, fractional seconds, and Z, +hh:mm, +hhmm or no zone (taken as UTC).
// Independent of the locale and the machine's time zone.
bool parse_iso8601(std::string_view text, double* seconds);

// Column mapping of the generic delimited format. A column is a 0-based index ("3") or, when the
// log has a header, the column's name ("visitorid"); "" means the log has no such column.
struct ColumnMapping {
  char delimiter = ',';
  bool header = false;
  std::string user, item;               // required
  std::string category, event, time;    // optional
  TimeUnit time_unit = TimeUnit::seconds;
  // The log's event name -> event type name. When given, it lists every accepted event (others
  // are malformed rows) and its targets, in order, are the event types; a target of "" means the
  // event is no interest in an item (a page view, a search): such rows are skipped and counted as
  // ignored. When empty, the event types are the log's own names in first-seen order.
  std::vector<std::pair<std::string, std::string>> event_names;
};

struct LogOptions {
  LogFormat format = LogFormat::taobao;
  bool strict = false;          // the first malformed row is an error instead of being skipped
  ColumnMapping columns;        // delimited only
  std::size_t chunk_size = std::size_t{1} << 20;
  std::size_t max_line = std::size_t{16} << 20;  // longer lines are malformed (bounds memory)
};

struct LogReport {
  std::uint64_t lines = 0;       // physical lines, including a header and blank lines
  std::uint64_t rows = 0;        // rows read (one per interaction)
  std::uint64_t malformed = 0;   // lines skipped as malformed
  std::uint64_t ignored = 0;     // rows whose event the event map says is no interest (mapped to "")
  std::uint64_t duplicates = 0;  // exact duplicate rows dropped by build_dataset
  std::uint64_t filtered = 0;    // rows dropped by build_dataset's k-core filter
  std::vector<std::string> first_errors;  // "line 17: expected 5 fields, found 4", the first 5
};

// One interaction with interned ids: indices into RawLog's users, items and event_types.
struct RawRow {
  std::uint32_t user;
  std::uint32_t item;
  std::uint32_t type;
  double time;  // seconds; the position in the user's history when the log has no times
};

// A log as read: ids interned in first-seen order, rows in file order (none when a RowSink took them).
struct RawLog {
  std::vector<std::string> users, items, categories, event_types;
  std::vector<std::int32_t> item_category;  // item -> category, first non-empty seen; -1 none
  std::string purchase_event;               // the event type named purchase, buy or transaction
  bool has_timestamps = true;
  std::vector<RawRow> rows;
};

// An event map as JSON, the shape the npm package takes too: {"view_item": "view", "page_view":
// null, ...}; null (no interest) becomes "". Errors say what is wrong with the text.
Status parse_event_map_json(std::string_view text, std::vector<std::pair<std::string, std::string>>* out);

// Where read_log puts the rows: in batches, in file order, with ids interned against the
// dictionaries as they are so far.
class RowSink {
 public:
  virtual ~RowSink() = default;
  // Rows gathered before each take(); the last batch may be smaller.
  virtual std::size_t batch_rows() const = 0;
  // Takes a batch (it may swap *rows for its own; what is left is cleared). dictionary_bytes: what
  // the interned ids hold so far. An error stops reading, and read_log returns it.
  virtual Status take(std::vector<RawRow>* rows, std::size_t dictionary_bytes) = 0;
  // After the last take(), before the dictionaries become RawLog's strings (which need memory).
  virtual Status end() { return {}; }
};

// Reads a log into `out` (its rows too: the sink that keeps every row).
Status read_log(ByteSource& source, const LogOptions& options, RawLog* out, LogReport* report);
// Reads a log into the dictionaries of `out` (its rows stay empty), handing the rows to `sink`.
Status read_log(ByteSource& source, const LogOptions& options, RowSink* sink, RawLog* out, LogReport* report);

// A product catalog (docs/data.md, "Catalogs"): JSON lines (a first non-blank line starting with
// '{') or CSV with a header naming the columns. Rows follow the dirty-row policy of logs (strict,
// the line limit, the report: rows counts the items kept); an id listed twice makes the later row
// malformed. Errors name the source.
Status read_catalog(ByteSource& source, const LogOptions& options, std::vector<CatalogItem>* out, LogReport* report);
Status read_catalog_file(const std::string& path, const LogOptions& options, std::vector<CatalogItem>* out,
                         LogReport* report);
Status read_log_file(const std::string& path, const LogOptions& options, RawLog* out,
                     LogReport* report);

}  // namespace tandem::train
