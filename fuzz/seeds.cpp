// Writes the binary seeds of the model, session-state and profile targets into OUTDIR/<target>/:
// small model files of every kind the reader accepts (float32 and int8 item tables, each fusion,
// edge-sized windows), and states and profiles of the harness model after real use. scripts/fuzz.sh
// adds fixture models from `tandem fixture` and the log seeds.
//   usage: fuzz_seeds OUTDIR
#include <cstdio>
#include <string>
#include <vector>

#include "core/model_format.h"
#include "core/profile_format.h"
#include "core/session.h"
#include "targets.h"

namespace {

using namespace tandem;

bool write(const std::string& path, const std::vector<std::uint8_t>& bytes) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) {
    std::fprintf(stderr, "fuzz_seeds: cannot write %s\n", path.c_str());
    return false;
  }
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  return std::fclose(f) == 0 && ok;
}

bool model_seed(const std::string& dir, const std::string& name, int items, int dim, int window, Fusion fusion,
                bool int8) {
  ModelConfig c;
  c.dim = dim;
  c.event_types = {"view", "cart", "purchase"};
  c.gap_buckets = 4;
  c.window = window;
  c.repeat_buckets = 2;
  c.time_origin_s = 1.6e9;
  c.fusion = fusion;
  c.purchase_event = "purchase";
  std::vector<std::string> ids;
  for (int i = 0; i < items; ++i) ids.push_back("i" + std::to_string(i));
  ModelWeights w = random_weights(c, std::move(ids), {"a", "b"}, 3);
  if (int8) quantize_item_table(w);
  std::shared_ptr<const Model> model;
  std::vector<std::uint8_t> bytes;
  Status s = Model::create(std::move(w), &model);
  if (s.ok()) s = write_model(*model, default_selftest(*model), &bytes);
  if (!s.ok()) {
    std::fprintf(stderr, "fuzz_seeds: model %s: %s\n", name.c_str(), s.message().c_str());
    return false;
  }
  return write(dir + "/" + name, bytes);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: fuzz_seeds OUTDIR (with OUTDIR/model_file, session_state, profile_file)\n");
    return 2;
  }
  const std::string out = argv[1];
  bool ok = true;

  const std::string models = out + "/model_file";
  ok &= model_seed(models, "gate-f32.tandem", 6, 4, 3, Fusion::gate, false);
  ok &= model_seed(models, "gate-int8.tandem", 6, 4, 3, Fusion::gate, true);
  ok &= model_seed(models, "long-f32.tandem", 3, 2, 1, Fusion::long_term, false);
  ok &= model_seed(models, "short-int8.tandem", 1, 1, 2, Fusion::short_term, true);
  std::vector<std::uint8_t> harness;
  const auto model = fuzz::harness_model();
  ok &= write_model(*model, default_selftest(*model), &harness).ok() && write(models + "/harness.tandem", harness);

  // States: fresh, mid-visit, a wrapped window with an unknown item, with a profile, after folding.
  const std::string states = out + "/session_state";
  Session s(model);
  ok &= write(states + "/fresh.state", s.save_state());
  for (int i = 0; i < 3; ++i) ok &= s.observe(i, i % 4, 1.7e9 + 20.0 * i).ok();
  ok &= write(states + "/three-events.state", s.save_state());
  for (int i = 0; i < 9; ++i) ok &= s.observe(i % 4 == 3 ? -1 : 5 + i, i % 4, 1.7e9 + 100 + 50.0 * i).ok();
  ok &= write(states + "/wrapped-window.state", s.save_state());
  const Event history[] = {{4, 0, 1.69e9}, {9, 3, 1.695e9}};
  s.set_profile(encode_history(*model, history, 2));
  ok &= write(states + "/with-profile.state", s.save_state());
  s.fold_recent_events();
  ok &= write(states + "/folded.state", s.save_state());

  const std::string profiles = out + "/profile_file";
  ok &= write(profiles + "/empty.profile", write_profile(*model, empty_profile(*model)));
  ok &= write(profiles + "/history.profile", write_profile(*model, encode_history(*model, history, 2)));
  ok &= write(profiles + "/folded.profile", write_profile(*model, s.profile()));

  if (!ok) return 1;
  std::printf("fuzz_seeds: wrote the model, state and profile seeds into %s\n", out.c_str());
  return 0;
}
