// Training over the processes of an MPI job: tests/CMakeLists.txt runs this suite under
// `mpirun -np 1`, `-np 2` and `-np 4`. Each process trains on its shard of the shoppers together
// with the others, and alone on the whole log; the two must give the same weights up to float
// rounding (the same batches, dropout and negatives; only the order of the sums differs).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "train/distributed.h"
#include "train/evaluate.h"
#include "train/shard.h"
#include "train/split.h"
#include "train/trainer.h"
#include "training_fixtures.h"

namespace tandem::train {
namespace {

// The cycle log with 240 shoppers and, with `listed`, that many catalog items no event names (a
// catalog many times larger than a step touches).
Dataset test_log(int listed) {
  Dataset d = cycle_dataset(240);
  for (int i = 0; i < listed; ++i) {
    d.item_ids.push_back("listed-" + std::to_string(i));
    d.catalog.add_items(1);
    CatalogItem row;
    row.category = std::string(1, static_cast<char>('x' + i % 3));
    d.catalog.set(d.item_ids.size() - 1, row, true);
  }
  return d;
}

// Trains `o` on the whole log alone and on this process's shard with the world; compares.
void expect_same_training(const Dataset& whole, const TrainOptions& o) {
  const Group& world = Group::world();
  Dataset mine = whole;
  keep_shard(&mine, static_cast<std::uint32_t>(world.rank()), static_cast<std::uint32_t>(world.size()));
  const Split whole_split = leave_one_out(whole), my_split = leave_one_out(mine);

  Trainer alone(whole, whole_split, o);
  ASSERT_TRUE(alone.run(nullptr, nullptr).ok());
  const std::uint64_t bytes_before = world.bytes();
  Trainer together(mine, my_split, o, world);
  ASSERT_TRUE(together.run(nullptr, nullptr).ok());

  EXPECT_EQ(together.shoppers(), alone.shoppers());
  EXPECT_EQ(together.training_targets(), alone.training_targets());
  EXPECT_EQ(together.steps_per_epoch(), alone.steps_per_epoch());
  ASSERT_EQ(together.history().size(), alone.history().size());
  for (std::size_t e = 0; e < alone.history().size(); ++e) {
    const EpochLog &a = alone.history()[e], &b = together.history()[e];
    EXPECT_NEAR(b.loss, a.loss, 1e-6 * a.loss) << "epoch " << a.epoch;
    EXPECT_EQ(b.validation.cases, a.validation.cases);
    EXPECT_NEAR(b.validation.ndcg.at(10), a.validation.ndcg.at(10), 1e-12) << "epoch " << a.epoch;
  }
  auto a = alone.params().tensors(), b = together.params().tensors();
  for (std::size_t i = 0; i < a.size(); ++i)
    EXPECT_LE((*a[i] - *b[i]).norm(), 1e-5 * a[i]->norm()) << "tensor " << i << " on rank " << world.rank();
  if (world.size() > 1) EXPECT_GT(world.bytes(), bytes_before) << "the processes summed their gradients";
}

TEST(Distributed, ShardsTrainTheWeightsOfOneProcessWithTheFullSoftmax) {
  TrainOptions o = tiny_options();
  o.epochs = o.patience = 2;
  expect_same_training(test_log(0), o);
}

// The sampled softmax touches a few hundred of the 3,030 rows per step: those cross packed.
TEST(Distributed, ShardsTrainTheWeightsOfOneProcessWithTheSampledSoftmax) {
  TrainOptions o = tiny_options();
  o.epochs = o.patience = 2;
  o.sampled_softmax_above = 10;
  o.negatives = 64;
  expect_same_training(test_log(3000), o);
}

// Id dropout: every process drops the same items in a step, wherever their targets are.
TEST(Distributed, ShardsTrainTheWeightsOfOneProcessWithIdDropout) {
  TrainOptions o = tiny_options();
  o.epochs = o.patience = 2;
  o.id_dropout = 0.3f;
  o.ema = 0.9;
  expect_same_training(test_log(10), o);
}

// --validation-shoppers picks shoppers by their id: the same cases whatever the processes.
TEST(Distributed, ValidationShoppersAreTheSameWhateverTheProcesses) {
  TrainOptions o = tiny_options();
  o.epochs = o.patience = 1;
  o.validation_shoppers = 100;
  expect_same_training(test_log(0), o);
}

TEST(Distributed, GatheredMetricsAreTheWholeLogs) {
  const Group& world = Group::world();
  const Dataset whole = test_log(0);
  Dataset mine = whole;
  keep_shard(&mine, static_cast<std::uint32_t>(world.rank()), static_cast<std::uint32_t>(world.size()));
  TrainOptions o = tiny_options();
  o.epochs = 1;
  const Split whole_split = leave_one_out(whole);
  Trainer trainer(whole, whole_split, o);
  ASSERT_TRUE(trainer.run(nullptr, nullptr).ok());
  std::shared_ptr<const Model> model;
  ASSERT_TRUE(trainer.model(&model).ok());
  EvalOptions eval;
  eval.ks = {5, 10};
  const Metrics want = evaluate_model(model, whole, whole_split.test, eval);
  const Metrics got = gather_metrics(world, evaluate_model(model, mine, leave_one_out(mine).test, eval), eval.ks);
  EXPECT_EQ(got.cases, want.cases);
  for (int k : eval.ks) {
    EXPECT_NEAR(got.hr.at(k), want.hr.at(k), 1e-12);
    EXPECT_NEAR(got.ndcg.at(k), want.ndcg.at(k), 1e-12);
    EXPECT_NEAR(got.mrr.at(k), want.mrr.at(k), 1e-12);
  }
}

}  // namespace
}  // namespace tandem::train

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  const tandem::Status s = tandem::train::start_world(&argc, &argv);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 1;
  }
  const int failed = RUN_ALL_TESTS();
  tandem::train::end_world();
  return failed;
}
