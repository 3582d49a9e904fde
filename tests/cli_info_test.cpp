// `hessian info` with model and data files, run as a program: blocks, the fit of the data, loss and
// accuracy against values known in closed form; and every bad model or data file is exit code 1
// with one line `hessian: error: …` naming the file and the fault.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "engine/arch.h"
#include "engine/compute_batch.h"
#include "io/data_file.h"
#include "io/model_file.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

// mlp:1x2x2-3-4 with every parameter zero: all logits are 0, so the cross-entropy of every sample
// is ln 4 whatever its label.
Model zero_model() {
  ArchOptions o;
  Model m = build_arch("mlp:1x2x2-3-4:tanh", o);
  std::fill(m.theta.begin(), m.theta.end(), 0.0);
  return m;
}

Dataset data(int64_t n, int64_t classes) {
  Dataset d;
  d.sample_shape = {1, 2, 2};
  for (int64_t i = 0; i < n * 4; ++i)
    d.x.push_back(static_cast<float>(std::sin(0.3 * static_cast<double>(i))));
  for (int64_t i = 0; i < n; ++i) d.labels.push_back(i % classes);
  return d;
}

void check_fails(const ScratchDir& dir, const std::vector<std::string>& args,
                 const std::string& message) {
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == 1);
  CHECK(r.err == "hessian: error: " + message + "\n");
  CHECK(r.out.empty());
}

}  // namespace

TEST_CASE("info on a model file and a data file: blocks, fit, loss and accuracy") {
  ScratchDir dir;
  write_model(dir.file("m.h5"), zero_model());
  write_data(dir.file("d.h5"), data(10, 4), {"tests", "none"});

  CliRun r = run_hessian({"info", "--model", "m.h5", "--data", "d.h5", "--json"}, dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(json_field(r.out, "parameters") == 3 * 4 + 3 + 4 * 3 + 4);
  // Float32 passes (the default): log 4 to float rounding.
  CHECK(std::abs(json_field(r.out, "loss") - std::log(4.0)) < 1e-7);
  // Equal logits: the prediction is class 0 (the first maximum), right for labels 0: 3 of 10.
  CHECK(json_field(r.out, "accuracy") == doctest::Approx(0.3));
  CHECK(json_field(r.out, "classes") == 4);
  CHECK(json_field(r.out, "label_max") == 3);
  CHECK(r.out.find("\"model\": \"m.h5\"") != std::string::npos);

  r = run_hessian(
      {"info", "--model", "m.h5", "--data", "d.h5", "--samples", "4", "--seed", "2", "--timing"},
      dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("fc1.weight  [3, 4]") != std::string::npos);
  CHECK(r.out.find("fits        samples match the input [1, 2, 2]; labels within the model's 4 "
                   "classes; 4 samples") != std::string::npos);
  CHECK(r.out.find("hvp (8 columns, per column)") != std::string::npos);

  r = run_hessian({"info", "--model", "m.h5"}, dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("parameters  31 in 4 blocks") != std::string::npos);

  r = run_hessian({"info", "--data", "d.h5", "--json"}, dir.path());
  REQUIRE(r.code == 0);
  // the data keys, then the seconds (whose value varies)
  CHECK(r.out.rfind(
            "{\"command\": \"info\", \"data\": \"d.h5\", \"data_samples\": 10, \"sample_shape\": "
            "[1, 2, 2], \"label_min\": 0, \"label_max\": 3, \"source\": \"tests\", "
            "\"preprocessing\": \"none\", \"seconds\": ",
            0) == 0);
}

TEST_CASE("info says the compute batch a large-image CNN's batches run in, float and double") {
  ScratchDir dir;
  const std::string spec = "cnn:1x28x28-c8k3-pool2-c16k3-pool2-10:relu";
  const Graph graph = build_arch(spec, ArchOptions{}).graph;
  for (const auto& [precision, bytes] : {std::pair{"f32", 4}, std::pair{"f64", 8}}) {
    CAPTURE(precision);
    const int64_t m = compute_batch(graph, 40, bytes);
    REQUIRE(m < 40);
    const CliRun r = run_hessian({"info", "--arch", spec, "--samples", "40", "--batch-size", "40",
                                  "--precision", precision, "--timing", "--json"},
                                 dir.path());
    REQUIRE(r.code == 0);
    CHECK(json_field(r.out, "compute_batch") == m);
    CHECK(json_field(r.out, "batches") == (40 + m - 1) / m);
    const CliRun text = run_hessian({"info", "--arch", spec, "--samples", "40", "--batch-size",
                                     "40", "--precision", precision, "--timing"},
                                    dir.path());
    REQUIRE(text.code == 0);
    CHECK(text.out.find("threads, batch 40 (compute batches of " + std::to_string(m) + ")") !=
          std::string::npos);
  }
}

TEST_CASE("bad model and data files: exit 1, one line naming the file") {
  ScratchDir dir;
  const Model m = zero_model();
  write_model(dir.file("m.h5"), m);
  write_data(dir.file("d.h5"), data(10, 4), {"tests", "none"});

  check_fails(dir, {"info", "--model", "none.h5"}, "none.h5: no such file");
  write_bytes(dir.file("text.h5"), "hello");
  check_fails(dir, {"info", "--model", "text.h5"}, "text.h5: not an HDF5 file");
  check_fails(dir, {"info", "--model", "d.h5"},
              "d.h5: is a 'hessian-data' file, not a model file (format \"hessian-model\")");
  check_fails(dir, {"info", "--model", "m.h5", "--data", "m.h5"},
              "m.h5: is a 'hessian-model' file, not a data file (format \"hessian-data\")");
  check_fails(dir, {"info", "--model", "m.h5", "--data", "none.h5"}, "none.h5: no such file");

  write_bytes(dir.file("cut.h5"), read_bytes(dir.file("m.h5")).substr(0, 1000));
  const CliRun cut = run_hessian({"info", "--model", "cut.h5"}, dir.path());
  CHECK(cut.code == 1);
  CHECK(cut.err.rfind(
            "hessian: error: cut.h5: cannot open the HDF5 file, it is damaged or truncated", 0) ==
        0);
  CHECK(std::count(cut.err.begin(), cut.err.end(), '\n') == 1);

  write_model(dir.file("v.h5"), m);
  {
    h5::File f = h5::File::open_write(dir.file("v.h5"));
    f.set_attr("version", int64_t{2});
    f.close();
  }
  check_fails(dir, {"info", "--model", "v.h5"},
              "v.h5: unknown model format version 2 (this engine reads 1)");

  write_model(dir.file("s.h5"), m);
  {
    h5::File f = h5::File::open_write(dir.file("s.h5"));
    h5::Group p = f.group("parameters");
    p.remove("fc2.weight");
    const std::vector<double> w(4 * 5, 0.0);
    p.create_dataset<double>("fc2.weight", {4, 5}, w.data()).set_attr("role", "weight");
    f.close();
  }
  check_fails(dir, {"info", "--model", "s.h5"},
              "s.h5: parameter 'fc2.weight' has shape [4, 5], the graph expects [4, 3]");

  write_model(dir.file("n.h5"), m);
  {
    h5::File f = h5::File::open_write(dir.file("n.h5"));
    const double nan = std::nan("");
    f.group("parameters").dataset("fc1.bias").write_range(1, &nan, 1);
    f.close();
  }
  check_fails(dir, {"info", "--model", "n.h5"}, "n.h5: parameter 'fc1.bias' holds NaN at index 1");

  write_data(dir.file("five.h5"), data(10, 5), {"tests", "none"});
  check_fails(
      dir, {"info", "--model", "m.h5", "--data", "five.h5"},
      "five.h5: does not fit the model m.h5: label 4 of sample 4 is out of range for 4 classes");

  Dataset flat = data(3, 4);
  flat.sample_shape = {4};
  write_data(dir.file("flat.h5"), flat, {"tests", "none"});
  check_fails(dir, {"info", "--model", "m.h5", "--data", "flat.h5"},
              "flat.h5: does not fit the model m.h5: data samples have shape [4] but the model's "
              "input is [1, 2, 2]");

  Dataset bad = data(3, 4);
  bad.x[9] = std::numeric_limits<float>::quiet_NaN();
  write_data(dir.file("nan.h5"), bad, {"tests", "none"});
  check_fails(dir, {"info", "--model", "m.h5", "--data", "nan.h5"},
              "nan.h5: X holds NaN in sample 2");

  const std::string hostile =
      std::string(HESS_SOURCE_DIR) + "/tests/data/hostile/data-global-heap-segfault.h5";
  const CliRun crash = run_hessian({"info", "--model", "m.h5", "--data", hostile}, dir.path());
  CHECK(crash.code == 1);
  CHECK(crash.err.rfind("hessian: error: " + hostile + ": the HDF5 library failed on it (signal ",
                        0) == 0);
  CHECK(std::count(crash.err.begin(), crash.err.end(), '\n') == 1);

#if defined(HESS_WITH_ONNX) && __has_include("io/onnx/onnx_import.h")
  const CliRun onnx = run_hessian({"info", "--model", "m.onnx"}, dir.path());
  CHECK(onnx.code == 1);
  CHECK(onnx.err.rfind("hessian: error: m.onnx: ", 0) == 0);
#else
  check_fails(dir, {"info", "--model", "m.onnx"},
              "m.onnx: ONNX import is not available in this build");
#endif
}
