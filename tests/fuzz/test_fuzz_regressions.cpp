// Replays every input a fuzzer once broke (fuzz/regressions/<target>/) through the same target
// code the fuzzers run (fuzz/targets.cpp: the parser, then the use of what it accepted and the
// invariants), and checks the outcome fuzz/regressions/expected.txt records for it: "ok" (the parser
// accepts it) or "error TEXT" (the parser refuses it with a message containing TEXT). A broken
// invariant aborts, which fails the test. One test per input.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "targets.h"

namespace {

namespace fs = std::filesystem;

const fs::path kRegressions = fs::path(TANDEM_FUZZ_DIR) / "regressions";

struct Regression {
  std::string target, file;  // file: fuzz/regressions/<target>/<file>
  bool accepted = true;
  std::string error;         // part of the message, when refused
};

// expected.txt: "<target>/<file> ok" or "<target>/<file> error <text>"; '#' starts a comment.
std::vector<Regression> load_manifest() {
  std::vector<Regression> out;
  std::ifstream in(kRegressions / "expected.txt");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string path, outcome;
    fields >> path >> outcome;
    Regression r;
    const std::size_t slash = path.find('/');
    r.target = path.substr(0, slash);
    r.file = slash == std::string::npos ? "" : path.substr(slash + 1);
    r.accepted = outcome == "ok";
    if (outcome == "error") {
      std::getline(fields >> std::ws, r.error);
    } else if (outcome != "ok") {
      r.error = "bad manifest line: " + line;  // fails below: neither ok nor error
      r.accepted = false;
      r.target.clear();
    }
    out.push_back(r);
  }
  return out;
}

tandem::fuzz::TargetFn find_target(const std::string& name) {
  std::size_t count = 0;
  const tandem::fuzz::Target* all = tandem::fuzz::targets(&count);
  for (std::size_t i = 0; i < count; ++i)
    if (name == all[i].name) return all[i].run;
  return nullptr;
}

class FuzzRegression : public ::testing::TestWithParam<Regression> {};

TEST_P(FuzzRegression, ReplaysWithTheRecordedOutcome) {
  const Regression& r = GetParam();
  const tandem::fuzz::TargetFn run = find_target(r.target);
  ASSERT_NE(run, nullptr) << "unknown target '" << r.target << "' in expected.txt (" << r.error << ")";
  std::ifstream in(kRegressions / r.target / r.file, std::ios::binary);
  ASSERT_TRUE(in) << "missing " << (kRegressions / r.target / r.file);
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string outcome = run(bytes.data(), bytes.size());
  if (r.accepted) {
    EXPECT_EQ(outcome, "") << r.target << " refused " << r.file;
  } else {
    EXPECT_NE(outcome, "") << r.target << " accepted " << r.file;
    EXPECT_NE(outcome.find(r.error), std::string::npos) << "message: " << outcome;
  }
}

std::string test_name(const ::testing::TestParamInfo<Regression>& info) {
  std::string name = info.param.target + "_" + info.param.file;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Inputs, FuzzRegression, ::testing::ValuesIn(load_manifest()), test_name);

// Every committed input has an expected outcome (none is kept without being replayed).
TEST(FuzzRegressions, EveryFileIsInTheManifest) {
  std::set<std::string> listed;
  for (const Regression& r : load_manifest()) listed.insert(r.target + "/" + r.file);
  std::size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(kRegressions)) {
    if (!entry.is_regular_file() || entry.path().filename() == "expected.txt") continue;
    ++files;
    const std::string rel = fs::relative(entry.path(), kRegressions).generic_string();
    EXPECT_TRUE(listed.count(rel)) << rel << " has no line in fuzz/regressions/expected.txt";
  }
  EXPECT_EQ(files, listed.size()) << "expected.txt lists files that are not there";
}

}  // namespace
