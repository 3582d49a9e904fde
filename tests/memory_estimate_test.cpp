// The memory estimate of an evaluation context (engine/memory_estimate.h) against what a context
// really allocates (malloc's count of bytes in use, before and after a first HVP): never below it,
// and not more than twice it, on an MLP and a CNN, for 1 and 8 columns, float and double.
#include "engine/memory_estimate.h"

#include <doctest/doctest.h>
#include <malloc.h>

#include <vector>

#include "engine/arch.h"
#include "engine/autodiff.h"
#include "support/fd_check.h"
#include "support/sanitizer_build.h"

using namespace hess;

namespace {

constexpr double kMostOverestimate = 2.0;

int64_t bytes_in_use() {
  const struct mallinfo2 m = mallinfo2();
  return static_cast<int64_t>(m.uordblks + m.hblkhd);
}

template <class T>
int64_t measured(const Model& m, const Dataset& d, int k) {
  const int64_t P = m.graph.num_params();
  std::vector<double> V(P * k, 0.01), HV(P * k, 0.0);
  std::vector<int64_t> rows(d.size());
  for (int64_t i = 0; i < d.size(); ++i) rows[i] = i;
  const int64_t before = bytes_in_use();
  int64_t after = 0;
  {
    EvalContext<T> ctx(m.graph);
    ctx.set_parameters(m.theta.data());
    ctx.set_batch(d, rows.data(), d.size());
    EvalRequest req;
    req.directions = V.data();
    req.k = k;
    req.curvature = true;
    ctx.run(req, {nullptr, HV.data()});
    after = bytes_in_use();
  }
  return after - before;
}

}  // namespace

TEST_CASE("the estimate covers what a context allocates, within a factor of two" *
          doctest::skip(hess::test::kSanitizerBuild)) {
  for (const std::string spec : {"mlp:64-128-10:tanh", "cnn:1x8x8-c8k3p1-pool2-c16k3p1-10:relu"}) {
    ArchOptions o;
    o.seed = 1;
    const Model m = build_arch(spec, o);
    const Dataset d = test::random_dataset(m.graph, 64, 10, 3);
    for (int k : {1, 8}) {
      CAPTURE(spec);
      CAPTURE(k);
      const int64_t f64 = measured<double>(m, d, k), f32 = measured<float>(m, d, k);
      const int64_t e64 = context_bytes(m.graph, 64, k, 8), e32 = context_bytes(m.graph, 64, k, 4);
      MESSAGE(spec << " k=" << k << ": f64 " << f64 << " B allocated, " << e64 << " estimated; f32 "
                   << f32 << ", " << e32);
      CHECK(e64 >= f64);
      CHECK(e64 <= kMostOverestimate * f64);
      CHECK(e32 >= f32);
      CHECK(e32 <= kMostOverestimate * f32);
    }
  }
}

TEST_CASE("the estimate saturates instead of overflowing") {
  ArchOptions o;
  const Model m = build_arch("mlp:64-10", o);
  CHECK(context_bytes(m.graph, int64_t{1} << 60, 1000, 8) == INT64_MAX);
}
