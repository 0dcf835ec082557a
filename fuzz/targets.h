// The fuzz targets: each feeds bytes to one parser, uses whatever the parser accepted the way the
// SDK or the trainer would, and checks invariants. A broken invariant aborts (libFuzzer reports it
// as a crash, the regression test as a failure). The same functions back the libFuzzer binaries
// (entry.cpp, built by fuzz/CMakeLists.txt) and the replay of fuzz/regressions/ in the native
// test run (tests/fuzz/test_fuzz_regressions.cpp). docs/reliability.md explains the input layouts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "core/model.h"

namespace tandem::fuzz {

// Every target returns "" when the parser accepted the input, else the parser's error message.
using TargetFn = std::string (*)(const std::uint8_t* data, std::size_t size);

// A model file (read_model). The last 8 bytes are replaced by the XXH64 of the rest first, so the
// fuzzer reaches past the checksum: a hostile file carries a valid checksum anyway.
std::string model_file(const std::uint8_t* data, std::size_t size);
// A saved session state (Session::restore_state) for harness_model(); checksum fixed up likewise.
std::string session_state(const std::uint8_t* data, std::size_t size);
// A profile file (read_profile) for harness_model(); checksum fixed up likewise.
std::string profile_file(const std::uint8_t* data, std::size_t size);

// Logs (read_log, then build_dataset). The first byte sets the reading knobs (log_knobs() in
// targets.cpp: chunk size, line limit, strict mode, k-core filter); the log follows.
std::string log_taobao(const std::uint8_t* data, std::size_t size);
std::string log_retailrocket(const std::uint8_t* data, std::size_t size);
std::string log_yoochoose(const std::uint8_t* data, std::size_t size);
std::string log_sequences(const std::uint8_t* data, std::size_t size);
std::string log_user_item(const std::uint8_t* data, std::size_t size);
// The generic delimited reader: after the knob byte, one line of column mapping
// "delimiter|header|user|item|category|event|time|unit|name=type,name=type", then the log.
std::string log_delimited(const std::uint8_t* data, std::size_t size);

// The whole training pipeline, as `tandem train` runs it (train/run.h): read_log, build_dataset,
// the split, train_models with one tiny epoch, the test table (evaluate_test) and the top-k dump,
// export_model, then read_model with its self-test, sessions over the model that was read, one
// profile per shopper, and `tandem eval`'s restrict_to_model. Two knob bytes (pipeline_knobs() in
// targets.cpp: the log format and reading, the trainer and export), then the log (at most
// kPipelineMaxLog bytes of it are used, so one execution stays fast).
constexpr std::size_t kPipelineMaxLog = 512;
std::string pipeline(const std::uint8_t* data, std::size_t size);

struct Target {
  const char* name;  // as in fuzz/regressions/<name>/ and build/fuzz/fuzz_<name>
  TargetFn run;
};
// All targets, in the order scripts/fuzz.sh runs them.
const Target* targets(std::size_t* count);

// The model the session-state and profile targets read against; seeds.cpp writes its seeds.
std::shared_ptr<const Model> harness_model();

}  // namespace tandem::fuzz
