// `hessian trace` run as a program on a small --arch model (P = 51): Hutchinson within 3 standard
// errors of the dense trace with per-layer traces summing to the total, Hutch++ exact once its
// sketch spans the space, XTrace within its error; the result group; bad input.
#include <doctest/doctest.h>

#include <cmath>

#include "io/result_reader.h"
#include "support/dense_reference.h"
#include "support/json_value.h"
#include "support/spectral_cli.h"

using namespace hess;
using namespace hess::test;

namespace {
constexpr double kSigmas = 3.0;  // a fixed seed within 3 standard errors
}

TEST_CASE("trace hutchinson --json: the dense trace within 3 stderr, per-layer traces sum to it") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const double exact = ref.H.trace();
  const CliRun r = run_ok(dir, spectral_args({"trace", "--method", "hutchinson", "--rtol", "0",
                                              "--probes", "400", "--json"}));
  const JsonValue j = parse_json(r.out);
  for (const char* key :
       {"trace", "stderr", "probes", "hvps", "seconds", "per_layer", "frobenius_norm_squared"}) {
    CAPTURE(key);
    CHECK(j.has(key));
  }
  CHECK(j["probes"].number() == 400);
  CHECK(j["hvps"].number() == 400);
  CHECK(std::abs(j["trace"].number() - exact) <= kSigmas * j["stderr"].number());
  CHECK(j["per_layer"].keys() == std::vector<std::string>{"fc1", "fc2"});
  double sum = 0;
  for (const std::string layer : {"fc1", "fc2"}) {
    CAPTURE(layer);
    const JsonValue& l = j["per_layer"][layer];
    sum += l["trace"].number();
    CHECK(std::abs(l["trace"].number() - ref.sub(layer + ".").trace()) <=
          kSigmas * l["stderr"].number());
  }
  CHECK(std::abs(sum - j["trace"].number()) <= 1e-10 * std::abs(j["trace"].number()) + 1e-12);
  // ‖H‖_F² = E‖H v‖²: its own standard error is not printed in JSON; 5 % of 400 probes suffices
  // here.
  CHECK(std::abs(j["frobenius_norm_squared"].number() - ref.H.squaredNorm()) <=
        0.05 * ref.H.squaredNorm());

  // The group holds the same numbers.
  ResultReader reader(dir.file("results.h5"));
  const ResultGroupView g = reader.group("trace");
  CHECK(g.strings("layer_names") == std::vector<std::string>{"fc1", "fc2"});
  CHECK(g.values("layer_traces")[0] == j["per_layer"]["fc1"]["trace"].number());
  CHECK(g.h5().string_attr("method") == "hutchinson");
  CHECK(g.metadata().hvps == 400);
}

TEST_CASE("trace hutchpp: exact when the sketch spans the space; xtrace within its error") {
  ScratchDir dir;
  const DenseReference ref = dense_reference(spectral_options(), Curvature::Hessian);
  const double exact = ref.H.trace();
  const double scale = ref.H.norm();
  // 153 products: a sketch of 51 = P columns, so tr(QᵀHQ) is the whole trace, per layer too.
  JsonValue j = parse_json(
      run_ok(dir, spectral_args({"trace", "--method", "hutchpp", "--probes", "153", "--json"}))
          .out);
  CHECK(std::abs(j["trace"].number() - exact) < 1e-9 * scale);
  for (const std::string layer : {"fc1", "fc2"}) {
    CAPTURE(layer);
    CHECK(std::abs(j["per_layer"][layer]["trace"].number() - ref.sub(layer + ".").trace()) <
          1e-9 * scale);
  }
  CHECK(j["hvps"].number() == 3 * 153);  // the total, then one run per layer

  j = parse_json(
      run_ok(dir, spectral_args({"trace", "--method", "xtrace", "--probes", "40", "--json"})).out);
  CHECK(std::abs(j["trace"].number() - exact) <= kSigmas * j["stderr"].number());
  CHECK(j["converged"].boolean);
  // Per layer by Hutch++ on each diagonal block (fc2's block has low rank: XTrace would fail
  // there).
  for (const std::string layer : {"fc1", "fc2"}) {
    CAPTURE(layer);
    const JsonValue& l = j["per_layer"][layer];
    CHECK(std::abs(l["trace"].number() - ref.sub(layer + ".").trace()) <=
          kSigmas * l["stderr"].number() + 1e-9 * scale);
  }
}

TEST_CASE("trace: hutchinson stopping at its budget says converged false") {
  ScratchDir dir;
  const JsonValue j =
      parse_json(run_ok(dir, spectral_args({"trace", "--method", "hutchinson", "--rtol", "1e-9",
                                            "--probes", "40", "--json"}))
                     .out);
  CHECK_FALSE(j["converged"].boolean);
  CHECK(j["probes"].number() == 40);
  CHECK(j["stderr"].number() > 0);
}

TEST_CASE("trace --method exact and the default auto: the exact GGN trace, exact for ReLU") {
  ScratchDir dir;
  const double kExactTol = 1e-9;
  hess::runs::Inputs relu = spectral_options();
  relu.arch = "mlp:4-6-3:relu";
  const std::vector<std::string> relu_args = {"--arch",      relu.arch, "--samples", "64",
                                              "--seed",      "3",       "--threads", "1",
                                              "--precision", "f64",     "--json"};
  const double h = dense_reference(relu, Curvature::Hessian).H.trace();
  for (const char* method : {"exact", "auto"}) {
    CAPTURE(method);
    std::vector<std::string> args = {"trace", "--method", method};
    args.insert(args.end(), relu_args.begin(), relu_args.end());
    const JsonValue j = parse_json(run_ok(dir, args).out);
    CHECK(std::abs(j["trace"].number() - h) <= kExactTol * std::abs(h));
    CHECK(j["stderr"].number() == 0.0);
    CHECK(j["method"].text == "exact");
    CHECK(j["hvps"].number() == 0);
    CHECK(j["ggn_diagonals"].number() == 1);
  }
  // The tanh model's GGN: exact; its Hessian by default: the control variate.
  const DenseReference g = dense_reference(spectral_options(), Curvature::GGN);
  const JsonValue e = parse_json(
      run_ok(dir, spectral_args({"trace", "--curvature", "ggn", "--method", "exact", "--json"}))
          .out);
  CHECK(std::abs(e["trace"].number() - g.H.trace()) <= kExactTol * g.H.trace());
  const JsonValue cv = parse_json(run_ok(dir, spectral_args({"trace", "--json"})).out);
  CHECK(cv["method"].text == "control-variate");
  CHECK(std::abs(cv["ggn_trace"].number() - g.H.trace()) <= kExactTol * g.H.trace());
  const double exact = dense_reference(spectral_options(), Curvature::Hessian).H.trace();
  CHECK(std::abs(cv["trace"].number() - exact) <= kSigmas * cv["stderr"].number());
  CHECK(cv["per_layer"].keys() == std::vector<std::string>{"fc1", "fc2"});
}

TEST_CASE("trace: bad input") {
  ScratchDir dir;
  check_error(dir, spectral_args({"trace", "--probes", "-5"}), 2,
              "--probes must be positive (got -5)");
  check_error(dir, spectral_args({"trace", "--method", "girard"}), 2,
              "--method 'girard' is not one of hutchinson, hutchpp, xtrace, exact, "
              "control-variate, auto");
  check_error(dir, spectral_args({"trace", "--method", "exact"}), 2,
              "--method exact applies to the GGN, or to a Hessian whose network is affine in each "
              "parameter (not here: node 'tanh_1' (tanh) is not affine in its input 0)");
  check_error(dir, spectral_args({"trace", "--layers", "fc3.*"}), 2,
              "--layers 'fc3.*' matches no block");
  write_overflowing_inputs(dir);
  check_error(dir, {"trace", "--model", "big.h5", "--data", "d.h5"}, 1, "trace: ");
  CHECK(!file_exists(dir.file("results.h5")));
}
