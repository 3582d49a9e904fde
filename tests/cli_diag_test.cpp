// `hessian diag` run as a program on a small --arch model (P = 51): every diagonal entry and every
// layer's sum within 4 standard errors of the dense diagonal, the whole diagonal in the result
// file; bad input.
#include <doctest/doctest.h>

#include <cmath>

#include "io/result_reader.h"
#include "support/dense_reference.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

namespace {
constexpr double kSigmas = 4.0;  // 51 entries at a fixed seed: all within 4 standard errors
}

TEST_CASE("diag: the dense diagonal within its standard errors, per-layer sums and summaries") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const JsonValue j =
      parse_json(run_ok(dir, spectral_args({"diag", "--probes", "300", "--json"})).out);
  for (const char* key : {"trace", "probes", "hvps", "seconds", "per_layer"}) {
    CAPTURE(key);
    CHECK(j.has(key));
  }
  CHECK(j["hvps"].number() == 300);
  ResultReader reader(dir.file("results.h5"));
  const ResultGroupView g = reader.group("diag");
  const std::vector<double> diag = g.values("diagonal"), err = g.values("stderr");
  REQUIRE(diag.size() == static_cast<size_t>(kSpectralParams));
  for (size_t i = 0; i < diag.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(diag[i] - ref.H(i, i)) <= kSigmas * err[i] + 1e-12);
  }
  for (const std::string layer : {"fc1", "fc2"}) {
    CAPTURE(layer);
    const JsonValue& l = j["per_layer"][layer];
    CHECK(std::abs(l["sum"].number() - ref.sub(layer + ".").trace()) <=
          kSigmas * l["sum_stderr"].number());
    CHECK(l["mean"].number() == doctest::Approx(l["sum"].number() / l["size"].number()));
    CHECK(l["min"].number() <= l["max"].number());
  }
  CHECK(g.strings("layer_names") == std::vector<std::string>{"fc1", "fc2"});
  CHECK(g.metadata().hvps == 300);
}

TEST_CASE("diag --layers: the diagonal of the selected blocks only") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  run_ok(dir, spectral_args({"diag", "--layers", "fc2.bias", "--probes", "50"}));
  const std::vector<double> diag =
      ResultReader(dir.file("results.h5")).group("diag").values("diagonal");
  const Eigen::MatrixXd sub = ref.sub("fc2.bias");
  REQUIRE(diag.size() == 3);
  // fc2.bias alone: the cross-entropy's softmax block, its diagonal estimated from 50 probes.
  for (size_t i = 0; i < 3; ++i)
    CHECK(std::abs(diag[i] - sub(i, i)) <= 0.5 * std::abs(sub(i, i)) + 1e-3);
}

TEST_CASE("diag --exact: the GGN's diagonal, exactly") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::GGN);
  const JsonValue j = parse_json(
      run_ok(dir, spectral_args({"diag", "--curvature", "ggn", "--exact", "--json"})).out);
  CHECK(j["hvps"].number() == 0);
  CHECK(j["method"].text == "exact");
  const std::vector<double> diag =
      ResultReader(dir.file("results.h5")).group("diag").values("diagonal");
  REQUIRE(diag.size() == static_cast<size_t>(kSpectralParams));
  const double scale = ref.H.diagonal().cwiseAbs().maxCoeff();
  for (size_t i = 0; i < diag.size(); ++i) CHECK(std::abs(diag[i] - ref.H(i, i)) <= 1e-10 * scale);
  CHECK(std::abs(j["trace"].number() - ref.H.trace()) <= 1e-10 * ref.H.trace());
}

TEST_CASE("diag: bad input") {
  ScratchDir dir;
  check_error(dir, spectral_args({"diag", "--exact"}), 2,
              "--exact applies to the GGN, or to a Hessian whose network is affine in each "
              "parameter (not here: node 'tanh_1' (tanh) is not affine in its input 0)");
  CHECK(!file_exists(dir.file("results.h5")));
  check_error(dir, spectral_args({"diag", "--probes", "-1"}), 2,
              "--probes must be positive (got -1)");
  check_error(dir, spectral_args({"diag", "--probes", "1"}), 2, "--probes must be at least 2");
  write_overflowing_inputs(dir);
  check_error(dir, {"diag", "--model", "big.h5", "--data", "d.h5"}, 1, "diag: ");
}
