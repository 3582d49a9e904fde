// `hessian train` under mpirun (docs/distributed.md): each minibatch split among the ranks, its
// gradient reduced before the step; on 3 ranks, and on 2 ranks resumed on 3 (--resume across rank
// counts), the final weights equal training in one process to 1e-12 relative.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "io/model_file.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr double kSumOrderTol = 1e-12;  // gradients summed in another order

// max|a − b| / max|b|: the weights' largest difference relative to their largest weight.
double relative_difference(const std::vector<double>& a, const std::vector<double>& b) {
  REQUIRE(a.size() == b.size());
  double diff = 0, scale = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff = std::max(diff, std::abs(a[i] - b[i]));
    scale = std::max(scale, std::abs(b[i]));
  }
  return diff / scale;
}

}  // namespace

namespace {

// The weights of a run directory's last checkpoint.
std::vector<double> last_weights(const std::string& run) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(run + "/checkpoints")) {
    const std::string p = e.path().string();
    if (p.ends_with(".h5") && !p.ends_with(".state.h5")) names.push_back(p);
  }
  std::sort(names.begin(), names.end());
  return read_model(names.back()).theta;
}

}  // namespace

TEST_CASE("train on 3 ranks, and 2 ranks resumed on 3, equal training in one process") {
  ScratchDir dir;
  // Minibatches of 50 split 17/17/16 (3 ranks) and 25/25 (2 ranks).
  const auto train = [&](const std::string& out, const std::string& steps) {
    return std::vector<std::string>{"train",
                                    "--model",
                                    bundled_sample("digits-mlp.h5"),
                                    "--data",
                                    bundled_sample("digits.h5"),
                                    "--optimizer",
                                    "momentum",
                                    "--lr",
                                    "0.05",
                                    "--batch-size",
                                    "50",
                                    "--steps",
                                    steps,
                                    "--checkpoint-every",
                                    "10",
                                    "--seed",
                                    "2",
                                    "--threads",
                                    "1",
                                    "--json",
                                    "--out",
                                    out};
  };
  REQUIRE(run_hessian(train("serial", "30"), dir.path()).code == 0);
  const CliRun whole = run_hessian_ranks(3, train("ranks", "30"), dir.path());
  REQUIRE_MESSAGE(whole.code == 0, whole.err);
  CHECK(relative_difference(last_weights(dir.file("ranks")), last_weights(dir.file("serial"))) <=
        kSumOrderTol);

  REQUIRE(run_hessian_ranks(2, train("cut", "20"), dir.path()).code == 0);
  std::vector<std::string> resume = train("cut", "30");
  resume.push_back("--resume");
  const CliRun resumed = run_hessian_ranks(3, resume, dir.path());
  REQUIRE_MESSAGE(resumed.code == 0, resumed.err);
  CHECK(relative_difference(last_weights(dir.file("cut")), last_weights(dir.file("serial"))) <=
        kSumOrderTol);
}
