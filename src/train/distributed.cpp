#include "train/distributed.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <utility>

#ifdef TANDEM_WITH_MPI
#define OMPI_SKIP_MPICXX 1  // the C API only: MPI's C++ bindings are deprecated
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>
#endif

namespace tandem::train {

namespace {

bool launched_by_mpi() {
  for (const char* var : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE"})
    if (std::getenv(var)) return true;
  return false;
}

Group* world_group = nullptr;  // set by start_world when MPI runs

}  // namespace

const Group& Group::alone() {
  static const Group group(0, 1, nullptr);
  return group;
}

const Group& Group::world() { return world_group ? *world_group : alone(); }

#ifdef TANDEM_WITH_MPI

namespace {

MPI_Comm comm_of(void* comm) { return *static_cast<MPI_Comm*>(comm); }

template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <>
MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }
template <>
MPI_Datatype mpi_type<std::uint64_t>() { return MPI_UINT64_T; }
template <>
MPI_Datatype mpi_type<std::int32_t>() { return MPI_INT32_T; }

// MPI counts are ints: large buffers go in pieces.
template <class T>
void allreduce(void* comm, T* values, std::size_t n, MPI_Op op) {
  constexpr std::size_t kPiece = std::size_t{1} << 28;
  for (std::size_t at = 0; at < n; at += kPiece)
    MPI_Allreduce(MPI_IN_PLACE, values + at, static_cast<int>(std::min(kPiece, n - at)), mpi_type<T>(), op, comm_of(comm));
}

template <class T>
std::vector<T> allgather(void* comm, int size, const std::vector<T>& mine) {
  int count = static_cast<int>(mine.size());
  std::vector<int> counts(static_cast<std::size_t>(size)), offsets(static_cast<std::size_t>(size), 0);
  MPI_Allgather(&count, 1, MPI_INT, counts.data(), 1, MPI_INT, comm_of(comm));
  long long total = 0;
  for (int r = 0; r < size; ++r) {
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
    total += counts[static_cast<std::size_t>(r)];
  }
  std::vector<T> all(static_cast<std::size_t>(total));
  MPI_Allgatherv(mine.data(), count, mpi_type<T>(), all.data(), counts.data(), offsets.data(), mpi_type<T>(),
                 comm_of(comm));
  return all;
}

}  // namespace

void Group::sum(float* values, std::size_t n) const {
  if (!comm_) return;
  bytes_ += n * sizeof(float);
  allreduce(comm_, values, n, MPI_SUM);
}
void Group::sum(double* values, std::size_t n) const {
  if (!comm_) return;
  bytes_ += n * sizeof(double);
  allreduce(comm_, values, n, MPI_SUM);
}
void Group::sum(std::uint64_t* values, std::size_t n) const {
  if (!comm_) return;
  bytes_ += n * sizeof(std::uint64_t);
  allreduce(comm_, values, n, MPI_SUM);
}
double Group::max(double value) const {
  if (!comm_) return value;
  bytes_ += sizeof(double);
  allreduce(comm_, &value, 1, MPI_MAX);
  return value;
}
std::vector<std::uint64_t> Group::gather(const std::vector<std::uint64_t>& mine) const {
  if (!comm_) return mine;
  bytes_ += mine.size() * sizeof(std::uint64_t);
  return allgather(comm_, size_, mine);
}
std::vector<std::int32_t> Group::gather(const std::vector<std::int32_t>& mine) const {
  if (!comm_) return mine;
  bytes_ += mine.size() * sizeof(std::int32_t);
  return allgather(comm_, size_, mine);
}

Status start_world(int* argc, char*** argv) {
  if (!launched_by_mpi()) return {};
  // Only the main thread calls MPI; OpenMP's threads work between the calls.
  int provided = 0;
  if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
    return Status::error("MPI did not start");
  static MPI_Comm comm = MPI_COMM_WORLD;
  int rank = 0, size = 1;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &size);
  static Group world(rank, size, &comm);
  world_group = &world;
  return {};
}

void end_world() {
  if (world_group) MPI_Finalize();
  world_group = nullptr;
}

void abort_world(const std::string& message, int code) {
  if (!world_group || world_group->size() == 1) return;
  std::fprintf(stderr, "tandem: rank %d of %d: %s\n", world_group->rank(), world_group->size(), message.c_str());
  std::fflush(stderr);
  MPI_Abort(MPI_COMM_WORLD, code);
}

#else  // no MPI in this build: every group is this process alone

void Group::sum(float*, std::size_t) const {}
void Group::sum(double*, std::size_t) const {}
void Group::sum(std::uint64_t*, std::size_t) const {}
double Group::max(double value) const { return value; }
std::vector<std::uint64_t> Group::gather(const std::vector<std::uint64_t>& mine) const { return mine; }
std::vector<std::int32_t> Group::gather(const std::vector<std::int32_t>& mine) const { return mine; }

Status start_world(int*, char***) {
  if (launched_by_mpi())
    return Status::error("started by an MPI launcher, but this tandem was built without MPI (configure with Open MPI "
                         "installed: scripts/setup.sh, -DTANDEM_MPI=ON)");
  return {};
}
void end_world() {}
void abort_world(const std::string&, int) {}

#endif

void Group::sum_rows(const std::vector<RowTable>& tables, std::size_t rows, std::vector<std::int32_t>* touched) const {
  if (size_ == 1) return;
  if (touched) {
    std::vector<std::int32_t> every = gather(*touched);
    std::sort(every.begin(), every.end());
    every.erase(std::unique(every.begin(), every.end()), every.end());
    *touched = std::move(every);
  }
  if (!touched || touched->size() * 2 > rows) {
    for (const RowTable& t : tables) sum(t.data, rows * t.cols);
    return;
  }
  const std::vector<std::int32_t>& all = *touched;
  std::size_t width = 0;
  for (const RowTable& t : tables) width += t.cols;
  std::vector<float> packed(all.size() * width);
  float* p = packed.data();
  for (std::int32_t r : all)
    for (const RowTable& t : tables) p = std::copy_n(t.data + static_cast<std::size_t>(r) * t.cols, t.cols, p);
  sum(packed.data(), packed.size());
  p = packed.data();
  for (std::int32_t r : all)
    for (const RowTable& t : tables) {
      std::copy_n(p, t.cols, t.data + static_cast<std::size_t>(r) * t.cols);
      p += t.cols;
    }
}

}  // namespace tandem::train
