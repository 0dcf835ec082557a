// A training step's streaming work over whole tensors (zeroing, adding the threads' gradients,
// scaling, the norm, Adam, the weight average) split over the trainer's threads. At 10^5-10^6
// items these N x d passes are most of a step that one thread does alone while the others wait.
// The chunks are the same whatever the thread count, so a sum taken chunk by chunk adds in the
// same order for any count, and an elementwise pass gives the same bits as one loop.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace tandem::train {

inline constexpr std::size_t kChunkElements = std::size_t{1} << 15;  // 128 KiB of floats

// f(begin, end) for each chunk of [0, size), on up to `threads` threads (one below two chunks).
template <class F>
void for_chunks(std::size_t size, int threads, const F& f) {
  const std::ptrdiff_t chunks = static_cast<std::ptrdiff_t>((size + kChunkElements - 1) / kChunkElements);
#pragma omp parallel for schedule(static) num_threads(threads) if (threads > 1 && chunks > 1)
  for (std::ptrdiff_t c = 0; c < chunks; ++c) {
    const std::size_t begin = static_cast<std::size_t>(c) * kChunkElements;
    f(begin, std::min(size, begin + kChunkElements));
  }
}

// A tensor's elements [begin, end) as an array (M: a dense Eigen matrix).
template <class M>
using ElementsOf = Eigen::Array<typename M::Scalar, Eigen::Dynamic, 1>;
template <class M>
Eigen::Map<ElementsOf<M>> elements(M* t, std::size_t begin, std::size_t end) {
  return {t->data() + begin, static_cast<Eigen::Index>(end - begin)};
}
template <class M>
Eigen::Map<const ElementsOf<M>> elements(const M& t, std::size_t begin, std::size_t end) {
  return {t.data() + begin, static_cast<Eigen::Index>(end - begin)};
}

template <class M>
void set_zero(M* t, int threads) {
  for_chunks(static_cast<std::size_t>(t->size()), threads,
             [&](std::size_t b, std::size_t e) { std::fill(t->data() + b, t->data() + e, typename M::Scalar{0}); });
}

// *t *= s; returns the squared norm of the result, summed chunk by chunk in double.
template <class M>
double scale_and_square(M* t, typename M::Scalar s, int threads) {
  const std::size_t size = static_cast<std::size_t>(t->size());
  std::vector<double> part((size + kChunkElements - 1) / kChunkElements, 0.0);
  for_chunks(size, threads, [&](std::size_t b, std::size_t e) {
    auto x = elements(t, b, e);
    x *= s;
    part[b / kChunkElements] = static_cast<double>(x.matrix().squaredNorm());
  });
  double sum = 0;
  for (double p : part) sum += p;
  return sum;
}

}  // namespace tandem::train
