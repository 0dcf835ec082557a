// A model checks itself: a model file carries a self-test (events, a profile, candidates and the
// scores its writer's model gave them), and a loader runs it again on the model it read
// (docs/model-format.md). The parser (model_format.h) only carries the test; running it needs a
// Session, so it lives here.
#pragma once

#include <string>
#include <vector>

#include "core/model.h"

namespace tandem {

// Inputs of the self-test a model file carries; the writer fills in the expected scores by running
// them through the model it writes.
struct SelfTestSpec {
  struct Step {
    std::string item;
    std::string type;
    double time;
  };
  std::vector<Step> events;
  std::vector<float> profile;  // d + 1 values, or empty for none
  std::vector<std::string> candidates;
  double tolerance = 1e-4;     // |got - expected| <= tolerance * max(1, |expected|)
};
// Files asking for less are refused: native and wasm builds sum in different orders, and a file
// must load in both or in neither.
constexpr double kMinSelfTestTolerance = 1e-5;

// A self-test built from the model itself (its first items, a profile of the first of them, one
// unknown id among the candidates): what the writer uses when it is given none.
SelfTestSpec default_selftest(const Model& model);

// The scores `model` gives the spec's candidates after its events, with its profile.
Status run_selftest(const Model& model, const SelfTestSpec& spec, std::vector<float>* scores);

// The header's "selftest" object for `spec` run on `model` (JSON text).
Status selftest_json(const Model& model, const SelfTestSpec& spec, std::string* out);

// Runs the self-test that a model file's header (JSON text) carries on `model`: "self-test is
// malformed: ..." or "self-test failed: candidate 'x' scored ..., the file expects ...".
Status verify_selftest(const Model& model, const std::string& header_json);

}  // namespace tandem
