// Logs larger than memory (docs/data.md, "Logs larger than memory"). prepare_log reads a log once,
// in memory set by a budget rather than by the log: rows are sorted in on-disk runs, merged, and
// filtered by the rules of preprocess.h; the result is a prepared-data file, which read_prepared
// (and load_data, run.h) turns into exactly the Dataset that build_dataset and apply_catalog make
// of the log in memory. The file's format is in docs/data.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "train/dataset.h"
#include "train/log_reader.h"
#include "train/preprocess.h"

namespace tandem::train {

struct PrepareOptions {
  std::string log_path;
  LogOptions log;
  PreprocessOptions preprocess;
  std::string catalog_path;  // "" none
  std::string out;           // the prepared-data file
  // The rows being sorted plus the interned ids stay within this while the log is read; a run of
  // sorted rows goes to disk whenever they would not.
  std::size_t memory_budget = std::size_t{256} << 20;
  std::string temp_dir;  // where the runs go; "" the directory of out
};

struct PrepareReport {
  LogReport log;                  // the log's counts, duplicates and filtered included
  LogReport catalog;              // when there is a catalog
  std::size_t runs = 0;           // sorted runs written
  std::size_t users = 0, items = 0;  // items: with a catalog's too
  std::size_t items_in_no_event = 0;  // a catalog's items without events
  std::uint64_t events = 0;
  std::size_t user_ids = 0, item_ids = 0;  // ids interned while reading (before filters)
  std::size_t dictionary_bytes = 0;        // what the interned ids held at the end of reading
  std::uint64_t file_bytes = 0;
};

// Writes the prepared-data file atomically (options.out.tmp, then renamed); the runs and every
// temporary file are removed whether it succeeds or not. Errors name the file.
Status prepare_log(const PrepareOptions& options, PrepareReport* report);

// Whether the file at path begins with the prepared-data magic bytes (false when it cannot be read).
bool is_prepared_file(const std::string& path);

// Reads a prepared-data file, with shards > 1 only the users of `shard` (user_shard, shard.h) and
// their events: a shard's memory is its own events, the items and its users' ids. The whole file is
// read and checked (its checksum covers every byte). Errors name the file: not a prepared-data
// file, an unsupported version, truncated, corrupt (checksum mismatch).
// *format: the log's format as --format names it.
Status read_prepared(const std::string& path, std::uint32_t shard, std::uint32_t shards, Dataset* out,
                     LogReport* report, std::string* format);

// A byte count with an optional suffix K, M, G or T (powers of 1024, an optional "iB" or "B"
// after it): "268435456", "512M", "1G", "1.5GiB".
Status parse_byte_size(std::string_view text, std::size_t* out);

}  // namespace tandem::train
