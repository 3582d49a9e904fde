// ONNX models on the command line, run as a program: every command that takes --model reads an
// .onnx export and computes PyTorch's float64 loss (tests/fixtures/make_onnx_fixtures.py stored it
// in tests/data/onnx/NAME.h5, which is also the data file); `hessian import --onnx` writes a model
// file computing the same; unsupported ops, data of another shape, truncated and random files are
// exit code 1 with one line `hessian: error: …` naming the file, and import leaves no file behind.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "engine/random.h"
#include "io/hdf5_file.h"
#include "io/onnx/onnx_import.h"
#include "support/json_value.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

// Agreement with PyTorch in double (DESIGN.md §6), as in onnx_import_test.
constexpr double kLossRelTol = 1e-10;
constexpr double kEigenRelTol = 1e-6;
// The graphs were traced at batch 4: batches of 7 over the 24 samples, the last one partial.
const std::string kBatch = "7";

const std::string kDir = std::string(HESS_SOURCE_DIR) + "/tests/data/onnx/";

// Every fixture with the loss it was trained with: an MLP, an MLP trained with MSE, a CNN with
// BatchNorm, a ResNet, a transformer encoder (with dynamic_axes and traced at batch 4),
// self-attention (traced at batch 4 and with dynamic_axes).
const std::vector<std::pair<std::string, std::string>> kFixtures = {
    {"mlp", "ce"},       {"mlp_mse", "mse"},         {"cnn", "ce"},
    {"resnet", "ce"},    {"transformer", "ce"},      {"transformer_static", "ce"},
    {"attention", "ce"}, {"attention_dynamic", "ce"}};

struct Reference {
  double loss = 0;
  int64_t parameters = 0;
  std::vector<double> eigenvalues;  // top 3, descending
};

// What PyTorch computed for fixture `name` (the /reference group of NAME.h5).
Reference reference(const std::string& name) {
  const h5::File f = h5::File::open_read(kDir + name + ".h5");
  const h5::Group r = f.group("reference");
  Reference ref;
  ref.loss = r.dataset("loss").read<double>().at(0);
  ref.parameters = r.dataset("theta").count();
  ref.eigenvalues = r.dataset("eigenvalues").read<double>();
  return ref;
}

double rel_err(double a, double b) {
  return std::abs(a - b) / std::max(std::abs(b), 1e-300);
}

// `hessian info --json` of `model` on the fixture data of `name`; the loss it prints.
double info_loss(const std::string& model, const std::string& name, const std::string& loss,
                 const std::string& workdir) {
  const CliRun r = run_hessian({"info", "--model", model, "--data", kDir + name + ".h5", "--loss",
                                loss, "--precision", "f64", "--batch-size", kBatch, "--json"},
                               workdir);
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(json_field(r.out, "parameters") == reference(name).parameters);
  CHECK(json_field(r.out, "samples") == 24);
  return json_field(r.out, "loss");
}

// A run that must fail at run time: exit 1, nothing on stdout, one line on stderr starting with
// `hessian: error: ` + `prefix`, and the folder unchanged (no output file, no partial file).
void check_fails(const ScratchDir& dir, const std::vector<std::string>& args,
                 const std::string& prefix) {
  const std::set<std::string> before = list_files(dir.path());
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.rfind("hessian: error: " + prefix, 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(list_files(dir.path()) == before);
}

}  // namespace

TEST_CASE("info --model NAME.onnx computes PyTorch's loss") {
  ScratchDir dir;
  for (const auto& [name, loss] : kFixtures) {
    CAPTURE(name);
    const double got = info_loss(kDir + name + ".onnx", name, loss, dir.path());
    CHECK(rel_err(got, reference(name).loss) <= kLossRelTol);
  }
}

TEST_CASE("eigen --model NAME.onnx: PyTorch's top-3 Hessian eigenvalues") {
  ScratchDir dir;
  for (const auto& [name, loss] : kFixtures) {
    CAPTURE(name);
    const CliRun r =
        run_hessian({"eigen", "--model", kDir + name + ".onnx", "--data", kDir + name + ".h5",
                     "--loss", loss, "--k", "3", "--precision", "f64", "--batch-size", kBatch,
                     "--out", name + "-eigen.h5", "--quiet", "--json"},
                    dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    const JsonValue j = parse_json(r.out);
    CHECK(j["status"].text == "ok");
    const std::vector<double> got = j["eigenvalues"].numbers();
    const std::vector<double> want = reference(name).eigenvalues;
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) {
      CAPTURE(i);
      CHECK(rel_err(got[i], want[i]) <= kEigenRelTol);
    }
  }
}

TEST_CASE("--loss chooses the loss of an ONNX model; cross-entropy by default") {
  ScratchDir dir;
  const std::string model = kDir + "mlp_mse.onnx", data = kDir + "mlp_mse.h5";
  CliRun r = run_hessian({"info", "--model", model, "--json"}, dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"loss_op\": \"cross_entropy\"") != std::string::npos);
  r = run_hessian({"info", "--model", model, "--loss", "mse", "--json"}, dir.path());
  REQUIRE(r.code == 0);
  CHECK(r.out.find("\"loss_op\": \"mse\"") != std::string::npos);
  // The two losses differ on the same data: the default is not the stored MSE loss.
  const double ce = info_loss(model, "mlp_mse", "ce", dir.path());
  CHECK(rel_err(ce, reference("mlp_mse").loss) > 1e-3);

  r = run_hessian({"info", "--model", model, "--loss", "hinge"}, dir.path());
  CHECK(r.code == 2);
  CHECK(r.err.rfind("hessian: error: ", 0) == 0);
  CHECK(r.err.find("hinge") != std::string::npos);
}

TEST_CASE("data whose samples do not match the graph input: exit 1 naming both files") {
  ScratchDir dir;
  // mlp.onnx takes [batch, 12]; cnn.h5 holds samples of [1, 12, 12].
  const std::string model = kDir + "mlp.onnx", data = kDir + "cnn.h5";
  const CliRun r = run_hessian({"info", "--model", model, "--data", data}, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == 1);
  CHECK(r.out.empty());
  CHECK(r.err == "hessian: error: " + data + ": does not fit the model " + model +
                     ": data samples have shape [1, 12, 12] but the model's input is [12]\n");
}

TEST_CASE("a graph input with symbolic extents takes its sample shape from the data") {
  ScratchDir dir;
  // mlp.onnx with its input declared [batch, features] (make_onnx_cli_fixtures.py).
  const std::string model = kDir + "mlp_symbolic.onnx";
  const double got = info_loss(model, "mlp", "ce", dir.path());
  CHECK(rel_err(got, reference("mlp").loss) <= kLossRelTol);
  const std::string input = model + ": graph input 'onnx::Gemm_0' ";
  check_fails(dir, {"info", "--model", model, "--data", kDir + "cnn.h5"},
              input + "has samples of rank 1, the expected sample shape [1, 12, 12] has rank 3");
  check_fails(dir, {"info", "--model", model},
              input + "has a symbolic extent on axis 1; give the sample shape");
  check_fails(dir, {"import", "--onnx", model, "--out", "m.h5"},
              input + "has a symbolic extent on axis 1; give the sample shape");
  check_fails(dir, {"import", "--onnx", kDir + "mlp.onnx", "--sample-shape", "13", "--out", "m.h5"},
              kDir + "mlp.onnx: graph input 'onnx::Gemm_0' has samples [12], expected [13]");

  CliRun r =
      run_hessian({"import", "--onnx", model, "--sample-shape", "12", "--out", "m.h5"}, dir.path());
  REQUIRE(r.code == 0);
  CHECK(info_loss("m.h5", "mlp", "ce", dir.path()) == got);
  r = run_hessian({"import", "--onnx", model, "--sample-shape", "12x", "--out", "x.h5"},
                  dir.path());
  CHECK(r.code == 2);
  CHECK(r.err == "hessian: error: --sample-shape '12x' is not a shape like 1x28x28\n");
}

TEST_CASE("train, landscape, roughness and sharpness take an ONNX model") {
  ScratchDir dir;
  const std::string model = kDir + "cnn.onnx", data = kDir + "cnn.h5";
  const double loss = reference("cnn").loss;
  const std::vector<std::string> common = {"--model",      model,  "--data",    data,
                                           "--batch-size", kBatch, "--threads", "1",
                                           "--precision",  "f64",  "--json"};
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.end(), common.begin(), common.end());
    const CliRun r = run_hessian(args, dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    return r.out;
  };
  // Steps of 0 and 1e-12 along a direction: the loss at θ, to 1e-12.
  std::string out = run({"landscape", "--x", "0:1e-12:2", "--out", "l.h5", "--quiet"});
  CHECK(rel_err(json_field(out, "min_loss"), loss) <= kLossRelTol);
  CHECK(rel_err(json_field(out, "max_loss"), loss) <= kLossRelTol);
  out = run({"roughness", "--directions", "2", "--points", "4", "--out", "r.h5", "--quiet"});
  CHECK(rel_err(json_field(out, "loss"), loss) <= kLossRelTol);
  out = run({"sharpness", "--measures", "average", "--draws", "4", "--out", "s.h5", "--quiet"});
  CHECK(rel_err(json_field(out, "loss"), loss) <= kLossRelTol);

  // Full-batch gradient descent from the exported weights: the initial checkpoint (a model file)
  // computes PyTorch's loss, and the loss goes down.
  out = run(
      {"train", "--optimizer", "gd", "--lr", "0.05", "--steps", "3", "--out", "run", "--quiet"});
  CHECK(json_field(out, "final_loss") < loss);
  const std::string initial = dir.file("run/checkpoints/step-000000000.h5");
  REQUIRE(file_exists(initial));
  CHECK(rel_err(info_loss(initial, "cnn", "ce", dir.path()), loss) <= kLossRelTol);
}

TEST_CASE("import --onnx writes a model file that computes the same loss") {
  ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> fixtures = {
      {"mlp_mse", "mse"}, {"cnn", "ce"}, {"transformer", "ce"}};
  for (const auto& [name, loss] : fixtures) {
    CAPTURE(name);
    const std::string out = name + ".h5";
    const CliRun r = run_hessian(
        {"import", "--onnx", kDir + name + ".onnx", "--loss", loss, "--out", out, "--json"},
        dir.path());
    CAPTURE(r.err);
    REQUIRE(r.code == 0);
    CHECK(json_field(r.out, "parameters") == reference(name).parameters);
    CHECK(r.out.find("\"loss_op\": \"" + std::string(loss == "ce" ? "cross_entropy" : "mse") +
                     "\"") != std::string::npos);
    // The model file holds its loss: info needs no --loss.
    const double from_file = info_loss(out, name, "ce", dir.path());
    CHECK(rel_err(from_file, reference(name).loss) <= kLossRelTol);
    CHECK(from_file == info_loss(kDir + name + ".onnx", name, loss, dir.path()));
  }
  CHECK(list_files(dir.path()) == std::set<std::string>{"cnn.h5", "mlp_mse.h5", "transformer.h5"});

  const CliRun text =
      run_hessian({"import", "--onnx", kDir + "mlp.onnx", "--out", "m.h5"}, dir.path());
  REQUIRE(text.code == 0);
  CHECK(text.out.rfind("wrote       m.h5: 1,333 parameters in 6 blocks, input [12], loss "
                       "cross_entropy\n",
                       0) == 0);

  // Flags of data imports mean nothing to --onnx, nor --loss to data imports: usage errors.
  CliRun r = run_hessian({"import", "--onnx", kDir + "mlp.onnx", "--out", "x.h5", "--subset", "3"},
                         dir.path());
  CHECK(r.code == 2);
  CHECK(r.err == "hessian: error: --subset belongs to data imports, not to --onnx\n");
  r = run_hessian({"import", "--onnx", kDir + "mlp.onnx", "--csv", "t.csv", "--out", "x.h5"},
                  dir.path());
  CHECK(r.code == 2);
  CHECK(r.err == "hessian: error: --csv belongs to data imports, not to --onnx\n");
  r = run_hessian({"import", "--onnx", kDir + "mlp.onnx", "--out", "x.h5", "--loss", "l1"},
                  dir.path());
  CHECK(r.code == 2);
  CHECK(!file_exists(dir.file("x.h5")));
}

TEST_CASE("an unsupported op: exit 1, the node, op and opset named, the supported ops listed") {
  ScratchDir dir;
  // tests/fixtures/make_onnx_cli_fixtures.py: Gemm then Einsum (opset 17).
  write_bytes(dir.file("model.onnx"), read_bytes(kDir + "unsupported.onnx"));
  const std::string expected =
      "hessian: error: model.onnx: node 'head/Einsum' uses op 'Einsum' (opset 17), which is not "
      "supported; supported: " +
      supported_onnx_ops() + "\n";
  CHECK(supported_onnx_ops().rfind("Add, AveragePool, BatchNormalization, ", 0) == 0);
  CHECK(supported_onnx_ops().find("Einsum") == std::string::npos);
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"info", "--model", "model.onnx"},
        std::vector<std::string>{"import", "--onnx", "model.onnx", "--out", "m.h5"}}) {
    const CliRun r = run_hessian(args, dir.path());
    CHECK(r.code == 1);
    CHECK(r.out.empty());
    CHECK(r.err == expected);
  }
  CHECK(list_files(dir.path()) == std::set<std::string>{"model.onnx"});
}

TEST_CASE("truncated, random and missing ONNX files: exit 1, one line, no output file") {
  ScratchDir dir;
  const std::string good = read_bytes(kDir + "resnet.onnx");
  write_bytes(dir.file("empty.onnx"), "");
  write_bytes(dir.file("head.onnx"), good.substr(0, 64));
  write_bytes(dir.file("half.onnx"), good.substr(0, good.size() / 2));
  write_bytes(dir.file("last.onnx"), good.substr(0, good.size() - 1));
  Rng rng(5);
  std::string noise(4096, '\0');
  for (char& c : noise) c = static_cast<char>(rng.below(256));
  write_bytes(dir.file("noise.onnx"), noise);
  for (const std::string name :
       {"empty.onnx", "head.onnx", "half.onnx", "last.onnx", "noise.onnx", "none.onnx"}) {
    CAPTURE(name);
    check_fails(dir, {"info", "--model", name}, name + ": ");
    check_fails(dir, {"import", "--onnx", name, "--out", "m.h5"}, name + ": ");
    check_fails(dir, {"info", "--model", name, "--data", kDir + "resnet.h5"}, name + ": ");
  }
}

TEST_CASE("a model exported with torch.onnx.export's defaults is imported with one warning") {
  ScratchDir dir;
  // Conv -> BatchNorm -> ReLU -> Linear exported in eval mode with constant folding: the BatchNorm
  // is folded into the convolution, named onnx::Conv_16 and onnx::Conv_17
  // (make_onnx_cli_fixtures.py).
  const std::string model = kDir + "cnn_folded.onnx";
  const CliRun r = run_hessian({"info", "--model", model, "--json"}, dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_field(r.out, "parameters") == 4 * 9 + 4 + 3 * 144 + 3);
  CHECK(r.err == "hessian: warning: " + model +
                     ": 2 parameters have names the exporter made up (onnx::Conv_16, "
                     "onnx::Conv_17): it was exported in eval mode or with constant folding, "
                     "which folds BatchNorm into the convolutions, so the curvature is not the "
                     "trained model's; export with training=torch.onnx.TrainingMode.PRESERVE, "
                     "do_constant_folding=False (docs/onnx.md)\n");
  // An export that kept its names (mlp.onnx: state_dict keys) is imported silently.
  const CliRun kept = run_hessian({"info", "--model", kDir + "mlp.onnx"}, dir.path());
  CHECK(kept.code == 0);
  CHECK(kept.err.empty());
}
