// dist/cluster: run as one process and under `mpirun -np 2` and `-np 3` (tests/CMakeLists.txt).
// The data-parallel objective (every rank its shard, sums added over ranks in rank order) gives the
// serial objective's loss, accuracy, gradient and Hessian/GGN products over the whole set (to
// 1e-12 relative: the same sums added in another order), the same bits on every rank, with shards
// of unequal sizes and with idle ranks (more ranks than samples); a failure on one rank ends the
// call on every rank (the failing rank its own error, the others an error naming it); gather and
// broadcast move rows between rank 0 and the others.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <stdexcept>

#include "dist/cluster.h"
#include "engine/arch.h"
#include "engine/numerical_error.h"
#include "support/fd_check.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSumOrderTol = 1e-12;  // the same sums added in another order
constexpr int64_t kClasses = 4;

// Joins the MPI job (when run by mpirun) before the tests, leaves it after them.
struct Job {
  Job() {
    int argc = 0;
    char** argv = nullptr;
    dist::start(argc, argv, nullptr);
  }
  ~Job() { dist::finish(0, ""); }
};
const Job job;

Model model(const std::string& spec) {
  ArchOptions o;
  o.seed = 5;
  return build_arch(spec, o);
}

std::unique_ptr<Objective> objective(const Model& m, const Dataset& d, int64_t batch,
                                     std::shared_ptr<Reduction> reduction, int threads = 1) {
  ObjectiveOptions o;
  o.batch_size = batch;
  o.threads = threads;
  o.weight_decay = 1e-3;
  o.reduction = std::move(reduction);
  auto obj = make_objective(m.graph, d, all_rows(d.size()), o, Precision::F64);
  obj->set_parameters(m.theta);
  return obj;
}

struct Products {
  Evaluation value;
  Eigen::VectorXd grad;
  Eigen::MatrixXd hv, ggn;
};

Products products(Objective& obj, const Eigen::MatrixXd& V) {
  const int64_t P = obj.num_params();
  Products p{{}, Eigen::VectorXd(P), Eigen::MatrixXd(P, V.cols()), Eigen::MatrixXd(P, V.cols())};
  p.value = obj.gradient(p.grad.data());
  obj.curvature(V.data(), static_cast<int>(V.cols()), p.hv.data(), Curvature::Hessian);
  obj.curvature(V.data(), static_cast<int>(V.cols()), p.ggn.data(), Curvature::GGN);
  return p;
}

// Whether every rank holds the same bits in `values` (rank 0 compares the gathered rows).
bool same_on_every_rank(const std::vector<double>& values) {
  const std::vector<double> all = dist::gather(values);
  bool same = true;
  for (size_t i = 0; i < all.size(); ++i) {
    same = same && std::memcmp(&all[i], &values[i % values.size()], sizeof(double)) == 0;
  }
  std::vector<double> verdict{same ? 1.0 : 0.0};
  dist::broadcast(verdict);
  return verdict[0] == 1.0;
}

}  // namespace

TEST_CASE("the objective over shards equals the serial objective, the same bits on every rank") {
  // Sample counts not divisible by 2 or 3: the shards differ in size; 2 samples with 3 ranks
  // leaves one rank idle.
  for (const char* spec : {"mlp:6-9-4:tanh", "cnn:1x6x6-c3k3-pool2-4:tanh"}) {
    for (int64_t n : {int64_t{2}, int64_t{37}, int64_t{61}}) {
      CAPTURE(spec);
      CAPTURE(n);
      const Model m = model(spec);
      const Dataset d = random_dataset(m.graph, n, kClasses, 11);
      Eigen::MatrixXd V(m.graph.num_params(), 3);
      for (int j = 0; j < 3; ++j) V.col(j) = random_vector(V.rows(), 40 + j);
      auto serial = objective(m, d, 8, nullptr);
      auto shards = objective(m, d, 5, dist::reduction(), 2);
      CHECK(shards->num_samples() == n);
      const Products want = products(*serial, V);
      const Products got = products(*shards, V);
      CHECK(got.value.loss == doctest::Approx(want.value.loss).epsilon(kSumOrderTol));
      CHECK(got.value.accuracy == want.value.accuracy);
      CHECK(rel_err(got.grad, want.grad) < kSumOrderTol);
      CHECK(rel_err(got.hv, want.hv) < kSumOrderTol);
      CHECK(rel_err(got.ggn, want.ggn) < kSumOrderTol);
      std::vector<double> bits{got.value.loss, got.value.accuracy};
      bits.insert(bits.end(), got.grad.data(), got.grad.data() + got.grad.size());
      bits.insert(bits.end(), got.hv.data(), got.hv.data() + got.hv.size());
      CHECK(same_on_every_rank(bits));
      // Repeatable: the order of the sums does not depend on timing.
      const Products again = products(*shards, V);
      CHECK(again.value.loss == got.value.loss);
      CHECK(again.hv == got.hv);
    }
  }
}

TEST_CASE("shards are contiguous and differ in size by at most one") {
  for (int parts : {1, 2, 3, 7}) {
    for (int64_t n : {int64_t{0}, int64_t{1}, int64_t{10}, int64_t{61}}) {
      int64_t next = 0, smallest = n, largest = 0;
      for (int r = 0; r < parts; ++r) {
        const Shard s = shard_of(n, r, parts);
        CHECK(s.first == next);
        next = s.last;
        smallest = std::min(smallest, s.last - s.first);
        largest = std::max(largest, s.last - s.first);
      }
      CHECK(next == n);
      CHECK(largest - smallest <= 1);
    }
  }
}

TEST_CASE("a failure on the last rank ends the call on every rank") {
  const int last = dist::size() - 1;
  // Inside a reduction, a NaN met by one rank is a NumericalError on every rank (analyzers that
  // note it and go on stay in step).
  if (dist::reduction()) {
    std::vector<double> v{1.0};
    std::exception_ptr mine;
    if (dist::rank() == last) mine = std::make_exception_ptr(NumericalError("node 'x': NaN"));
    CHECK_THROWS_AS(dist::reduction()->sum(v.data(), v.size(), mine), NumericalError);
    std::vector<double> ones{1.0, 2.0};
    dist::reduction()->sum(ones.data(), ones.size(), nullptr);
    CHECK(ones[0] == dist::size());
    CHECK(ones[1] == 2.0 * dist::size());
  }
  // Other errors: the failing rank's own, the others' names it.
  std::exception_ptr mine;
  if (dist::rank() == last) mine = std::make_exception_ptr(std::runtime_error("d.h5: missing"));
  std::string what;
  try {
    dist::agree(mine);
  } catch (const std::exception& e) {
    what = e.what();
  }
  if (dist::rank() == last) {
    CHECK(what == "d.h5: missing");
  } else {
    CHECK(what == "rank " + std::to_string(last) + ": d.h5: missing");
  }
  CHECK_NOTHROW(dist::agree());
}

TEST_CASE("gather brings every rank's row to rank 0 in rank order; broadcast sends rank 0's") {
  const std::vector<double> row{static_cast<double>(dist::rank()), 0.5};
  const std::vector<double> all = dist::gather(row);
  if (dist::rank() == 0) {
    REQUIRE(all.size() == 2 * static_cast<size_t>(dist::size()));
    for (int r = 0; r < dist::size(); ++r) CHECK(all[2 * r] == r);
  } else {
    CHECK(all.empty());
  }
  std::vector<int64_t> ids;
  if (dist::rank() == 0) ids = {4, 8, 15};
  dist::broadcast(ids);
  CHECK(ids == std::vector<int64_t>{4, 8, 15});
}
