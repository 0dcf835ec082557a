// The processes of a data-parallel training run (docs/scale.md): MPI's world when an MPI launcher
// (mpirun, srun, an MPI operator) started this process and the build has MPI (TANDEM_MPI), else
// this process alone, where every collective is a no-op. Each process trains on its shard of the
// shoppers; these are the collectives that make their steps one step.
//
// Collectives must be called by every process of the group in the same order. MPI's default error
// handler is kept: a process that dies ends the whole job (mpirun names the process and its host).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace tandem::train {

// A block of rows of a row-major float table, for Group::sum_rows.
struct RowTable {
  float* data;
  std::size_t cols;
};

class Group {
 public:
  // This process on its own.
  static const Group& alone();
  // Every process the launcher started (alone() when none did, or the build has no MPI).
  static const Group& world();

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool leader() const { return rank_ == 0; }  // writes the model, the report and checkpoints

  // In place: every process ends with the element-wise sum (max) over the group.
  void sum(float* values, std::size_t n) const;
  void sum(double* values, std::size_t n) const;
  void sum(std::uint64_t* values, std::size_t n) const;
  double max(double value) const;
  // Every process's values, concatenated in rank order, on every process.
  std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& mine) const;
  std::vector<std::int32_t> gather(const std::vector<std::int32_t>& mine) const;

  // Sums tables of `rows` rows (the same rows on every process, each table its own width) where
  // only some rows are non-zero: `touched` lists this process's non-zero rows (sorted, distinct;
  // null: all of them), and becomes the union of every process's, the rows the sums may be
  // non-zero in. Only that union crosses the network, packed, unless it is more than half the
  // rows: then the whole tables are summed (the union's lists and the packing would cost more
  // than they save).
  void sum_rows(const std::vector<RowTable>& tables, std::size_t rows, std::vector<std::int32_t>* touched) const;

  // The payload this process has handed to collectives so far, in bytes (an allreduce of n floats
  // counts 4n; MPI moves about twice that per process in a ring).
  std::uint64_t bytes() const { return bytes_; }

 private:
  friend Status start_world(int* argc, char*** argv);
  Group(int rank, int size, void* comm) : rank_(rank), size_(size), comm_(comm) {}
  int rank_ = 0, size_ = 1;
  void* comm_ = nullptr;  // the MPI communicator (null: alone)
  mutable std::uint64_t bytes_ = 0;
};

// Starts MPI when an MPI launcher started this process (its environment says so: Open MPI's
// OMPI_COMM_WORLD_SIZE, PMIx's PMIX_RANK or Slurm's PMI_SIZE); otherwise, and in a build without
// MPI, does nothing and world() is alone(). A build without MPI started by a launcher is an error
// (every process would train the whole log alone).
Status start_world(int* argc, char*** argv);
// Ends MPI (after every collective), if it was started.
void end_world();
// Ends the whole job at once: another process may be waiting in a collective for this one, so a
// plain exit would hang the job. Prints "tandem: rank R of N: message" first. Alone, returns.
void abort_world(const std::string& message, int code);

}  // namespace tandem::train
