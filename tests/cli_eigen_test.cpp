// `hessian eigen` run as a program on a small --arch model (P = 51): the JSON keys, eigenvalues at
// both ends, per-layer restriction and the GGN against a dense eigendecomposition of the dense
// curvature matrix; the result group and its metadata; bad input with its exit code and message.
#include <doctest/doctest.h>

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>

#include "io/result_reader.h"
#include "support/dense_reference.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

namespace {

constexpr int64_t P = kSpectralParams;
constexpr double kRelTol = 1e-8;       // Lanczos to its default tol 1e-10, against the dense solver
constexpr double kRelTolFloat = 1e-4;  // the passes in float

// Eigenvalues of a symmetric matrix, descending.
std::vector<double> descending(const Eigen::MatrixXd& A) {
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(A);
  std::vector<double> v(es.eigenvalues().data(), es.eigenvalues().data() + A.rows());
  std::sort(v.rbegin(), v.rend());
  return v;
}

void check_close(const std::vector<double>& got, const std::vector<double>& want, double scale) {
  REQUIRE(got.size() == want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    CHECK(std::abs(got[i] - want[i]) <= kRelTol * scale);
  }
}

}  // namespace

TEST_CASE("eigen --json: the top and bottom eigenvalues of the dense Hessian, with residuals") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const std::vector<double> all = descending(ref.H);
  const double scale = std::max(std::abs(all.front()), std::abs(all.back()));
  REQUIRE(all.back() < 0);  // random weights: indefinite, so "top" must not mean magnitude

  CliRun r = run_ok(dir, spectral_args({"eigen", "--k", "5", "--json"}));
  const JsonValue j = parse_json(r.out);
  for (const char* key : {"eigenvalues", "residuals", "hvps", "seconds", "converged"}) {
    CAPTURE(key);
    CHECK(j.has(key));
  }
  check_close(j["eigenvalues"].numbers(), {all.begin(), all.begin() + 5}, scale);
  CHECK(j["converged"].boolean);
  for (double res : j["residuals"].numbers()) CHECK(res < 1e-6 * scale);
  CHECK(j["hvps"].number() >= 5);

  r = run_ok(dir, spectral_args({"eigen", "--k", "3", "--which", "both", "--json"}));
  check_close(parse_json(r.out)["eigenvalues"].numbers(),
              {all[0], all[1], all[2], all[P - 3], all[P - 2], all[P - 1]}, scale);

  // Power iteration agrees.
  r = run_ok(dir, spectral_args({"eigen", "--k", "2", "--which", "smallest", "--method", "power",
                                 "--tol", "1e-12", "--max-iterations", "20000", "--json"}));
  const std::vector<double> bottom = parse_json(r.out)["eigenvalues"].numbers();
  REQUIRE(bottom.size() == 2);
  CHECK(std::abs(bottom[0] - all[P - 2]) < 1e-6 * scale);
  CHECK(std::abs(bottom[1] - all[P - 1]) < 1e-6 * scale);
}

TEST_CASE("eigen --precision f32: the top eigenvalues within 1e-4 of the double dense ones") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const std::vector<double> all = descending(ref.H);
  const CliRun r = run_ok(
      dir, spectral_args({"eigen", "--k", "5", "--precision", "f32", "--tol", "1e-6", "--json"}));
  const std::vector<double> top = parse_json(r.out)["eigenvalues"].numbers();
  REQUIRE(top.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CAPTURE(i);
    CHECK(std::abs(top[i] - all[i]) <= kRelTolFloat * all[0]);
  }
}

TEST_CASE("eigen --precision f32 below float's reach: double quotients, the dense eigenvalues") {
  // The default tol (1e-10) is below what float32 products can show (analyzers/eigen.h): the run
  // ends on the double operator, whose Rayleigh quotients of the float32 vectors are the dense
  // eigenvalues to the square of the vectors' error; whole and restricted to some blocks.
  constexpr double kQuotientRelTol = 1e-12;
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  struct Case {
    std::vector<std::string> flags;
    std::vector<double> want;
  };
  const std::vector<double> all = descending(ref.H), fc2 = descending(ref.sub("fc2."));
  for (const Case& c : {Case{{}, all}, Case{{"--layers", "fc2.*"}, fc2}}) {
    std::vector<std::string> args = {"eigen", "--k", "3", "--precision", "f32", "--json"};
    args.insert(args.end(), c.flags.begin(), c.flags.end());
    const JsonValue j = parse_json(run_ok(dir, spectral_args(args)).out);
    CHECK(j["double_quotients"].boolean);
    const std::vector<double> top = j["eigenvalues"].numbers();
    REQUIRE(top.size() == 3);
    for (size_t i = 0; i < 3; ++i) {
      CAPTURE(i);
      CHECK(std::abs(top[i] - c.want[i]) <= kQuotientRelTol * std::abs(c.want[0]));
    }
  }
  // Within float's reach (tol 1e-6), and in double, the run's own products.
  CHECK_FALSE(parse_json(run_ok(dir, spectral_args({"eigen", "--precision", "f32", "--tol", "1e-6",
                                                    "--json"}))
                             .out)["double_quotients"]
                  .boolean);
  CHECK_FALSE(
      parse_json(run_ok(dir, spectral_args({"eigen", "--json"})).out)["double_quotients"].boolean);
}

TEST_CASE("eigen --layers and --curvature ggn: the eigenvalues of the submatrix and of the GGN") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const std::vector<double> fc2 = descending(ref.sub("fc2."));
  CliRun r = run_ok(dir, spectral_args({"eigen", "--k", "2", "--layers", "fc2.*", "--json"}));
  check_close(parse_json(r.out)["eigenvalues"].numbers(), {fc2[0], fc2[1]}, std::abs(fc2[0]));
  CHECK(parse_json(r.out)["parameters"].number() == 6 * 3 + 3);

  const DenseReference ggn = dense_reference(spectral_options(), Curvature::GGN);
  const std::vector<double> g = descending(ggn.H);
  r = run_ok(dir, spectral_args({"eigen", "--k", "3", "--curvature", "ggn", "--json"}));
  check_close(parse_json(r.out)["eigenvalues"].numbers(), {g[0], g[1], g[2]}, g[0]);
}

TEST_CASE(
    "eigen --per-layer: each layer's top eigenvalues of its dense diagonal block, bundled MLP") {
  ScratchDir dir;
  runs::Inputs in;
  in.model = bundled_sample("digits-mlp.h5");
  in.data = bundled_sample("digits.h5");
  in.samples = 300;
  in.seed = 5;
  in.threads = 1;
  in.precision = Precision::F64;
  const DenseReference ref = dense_reference(in, Curvature::Hessian);
  const CliRun r = run_ok(dir, {"eigen", "--model", in.model, "--data", in.data, "--samples", "300",
                                "--seed", "5", "--threads", "1", "--precision", "f64",
                                "--per-layer", "--k", "3", "--out", "r.h5", "--json"});
  const JsonValue j = parse_json(r.out);
  const JsonValue& layers = j["per_layer"];
  REQUIRE(layers.keys() == std::vector<std::string>{"fc1", "fc2"});
  int64_t total = 0;
  for (const std::string& layer : layers.keys()) {
    CAPTURE(layer);
    const Eigen::MatrixXd block = ref.sub(layer + ".");
    const std::vector<double> want = descending(block);
    check_close(layers[layer]["eigenvalues"].numbers(), {want[0], want[1], want[2]},
                std::abs(want[0]));
    CHECK(layers[layer]["params"].number() == block.rows());
    CHECK(layers[layer]["converged_eigenvalues"].number() == 3);
    CHECK(layers[layer]["status"].text == "ok");
    total += block.rows();
  }
  CHECK(total == ref.H.rows());  // the layers cover θ
  CHECK(j["converged"].boolean);
  // the group holds the same rows; the table prints one line per layer
  ResultReader reader(dir.file("r.h5"));
  const ResultGroupView g = reader.group("eigen_per_layer");
  const ResultArray values = g.array("eigenvalues");
  REQUIRE(values.shape == Shape{2, 3});
  const std::vector<double> fc2 = layers["fc2"]["eigenvalues"].numbers();
  CHECK(std::vector<double>(values.values.begin() + 3, values.values.end()) == fc2);
  CHECK(g.metadata().hvps == static_cast<int64_t>(j["hvps"].number()));
  const CliRun text = run_ok(dir, {"eigen", "--model", in.model, "--data", in.data, "--samples",
                                   "300", "--per-layer", "--k", "2", "--out", "t.h5"});
  CHECK(text.out.find("layer  params  lambda_1") != std::string::npos);
  CHECK(text.out.find("\nfc2 ") != std::string::npos);
  check_error(dir, spectral_args({"eigen", "--per-layer", "--save-vectors"}), 2,
              "--save-vectors does not go with --per-layer");
}

TEST_CASE("eigen writes its group with the metadata; --save-vectors keeps eigenvectors") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const CliRun r = run_ok(
      dir, spectral_args({"eigen", "--k", "2", "--save-vectors", "--out", "r.h5", "--json"}));
  const JsonValue j = parse_json(r.out);
  {
    ResultReader reader(dir.file("r.h5"));
    const ResultGroupView g = reader.group("eigen");
    CHECK(g.values("eigenvalues") == j["eigenvalues"].numbers());
    const ResultArray V = g.array("eigenvectors");
    REQUIRE(V.shape == Shape{2, P});
    for (int i = 0; i < 2; ++i) {
      const Eigen::Map<const Eigen::VectorXd> u(V.values.data() + i * P, P);
      CHECK(std::abs(u.norm() - 1.0) < 1e-10);
      CHECK((ref.H * u - j["eigenvalues"].numbers()[i] * u).norm() < 1e-6 * ref.H.norm());
    }
    const ResultMetadata m = g.metadata();
    CHECK(m.command_line.rfind("hessian eigen --k 2 --save-vectors", 0) == 0);
    CHECK(m.samples == 64);
    CHECK(m.seed == 3);
    CHECK(m.hvps == static_cast<int64_t>(j["hvps"].number()));
    CHECK(g.h5().string_attr("method") == "lanczos");
    CHECK(g.h5().string_attr("curvature") == "hessian");
    CHECK(g.h5().int_attr("parameters") == P);
  }
  // Rerunning replaces the group.
  run_ok(dir, spectral_args({"eigen", "--k", "1", "--layers", "fc1.*", "--out", "r.h5"}));
  ResultReader again(dir.file("r.h5"));
  CHECK(again.group("eigen").values("eigenvalues").size() == 1);
  CHECK(again.group("eigen").h5().int_attr("parameters") == 4 * 6 + 6);
}

TEST_CASE("eigen: not converged is reported with residuals, exit 0") {
  ScratchDir dir;
  const std::vector<std::string> stop_early = {
      "eigen", "--k", "3", "--method", "power", "--tol", "1e-15", "--max-iterations", "2"};
  std::vector<std::string> json = stop_early;
  json.push_back("--json");
  const JsonValue j = parse_json(run_ok(dir, spectral_args(json)).out);
  CHECK_FALSE(j["converged"].boolean);
  CHECK(j["residuals"].numbers().size() == 3);
  CHECK(j["status"].text == "not_converged");
  const CliRun t = run_ok(dir, spectral_args(stop_early));
  CHECK(t.out.find("converged: false") != std::string::npos);
  CHECK(t.err.rfind("hessian: warning: power: ", 0) == 0);
}

TEST_CASE("eigen: bad input is one line and its exit code") {
  ScratchDir dir;
  check_error(dir, spectral_args({"eigen", "--k", "52"}), 2, "--k (52) exceeds P (51)");
  check_error(dir, spectral_args({"eigen", "--k", "26", "--which", "both"}), 2,
              "--k (26 per end) exceeds P (51)");
  check_error(dir, spectral_args({"eigen", "--layers", "conv*"}), 2,
              "--layers 'conv*' matches no block; blocks: fc1.weight [6, 4], fc1.bias [6], "
              "fc2.weight [3, 6], fc2.bias [3]");
  check_error(dir, spectral_args({"eigen", "--which", "top"}), 2,
              "--which 'top' is not one of largest, smallest, both");
  check_error(dir, spectral_args({"eigen", "--method", "arnoldi"}), 2,
              "--method 'arnoldi' is not one of lanczos, spectra, power");
  check_error(dir, spectral_args({"eigen", "--block", "0"}), 2,
              "--block must be at least 1 (got 0)");
  check_error(dir, spectral_args({"eigen", "--block", "48"}), 2,
              "--block (48) plus 5 eigenvalues exceeds P (51)");
  check_error(dir, spectral_args({"eigen", "--ncv", "7", "--block", "4"}), 2,
              "--ncv (7) must satisfy 5 eigenvalues + block (4) <= ncv <= P (51)");
  check_error(dir, spectral_args({"eigen", "--method", "spectra", "--ncv", "5"}), 2,
              "--ncv (5) must satisfy 5 eigenvalues < ncv <= P (51)");
  check_error(dir, spectral_args({"eigen", "--curvature", "fisher"}), 2,
              "--curvature 'fisher' is not one of hessian, ggn");
  CHECK(!file_exists(dir.file("results.h5")));

  write_overflowing_inputs(dir);
  check_error(dir, {"eigen", "--model", "big.h5", "--data", "d.h5"}, 1, "eigen: ");
  CHECK(!file_exists(dir.file("results.h5")));
}
