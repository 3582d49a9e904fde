// Model files (io/model_file): bit-exact round trips of graphs, parameters, constants, every
// attribute type and metadata; a loaded model computes the same loss and HVP; and every kind of bad
// file gives one FileError naming the file and the fault.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "engine/arch.h"
#include "engine/graph_builder.h"
#include "io/data_file.h"
#include "io/file_error.h"
#include "io/model_file.h"
#include "support/error_message.h"
#include "support/fd_check.h"
#include "support/scratch_dir.h"

#if defined(HESS_WITH_ONNX) && __has_include("io/onnx/onnx_import.h")
#include <filesystem>

#include "io/onnx/onnx_import.h"
#define HESS_TEST_ONNX 1
#endif

using namespace hess;
using namespace hess::test;

namespace {

// A small graph exercising constants, every op attribute type and a name that needs escaping in
// HDF5 ('/' and '%').
Model attribute_model() {
  GraphBuilder b({4});
  Tensor<double> shift({4}, {0.5, -1.25, 3.0, 1e-300});
  const int c = b.constant("onnx::Add/shift%1", shift);
  int h = b.op(OpKind::Add, {b.input(), c});
  h = b.linear(h, 4, 3, "fc1");
  Attrs a;
  a.set("alpha", 0.2);
  a.set("count", int64_t{-7});
  a.set("list", std::vector<int64_t>{1, -2, std::numeric_limits<int64_t>::max()});
  a.set("empty", std::vector<int64_t>{});
  a.set("note", std::string("ünïcode / text"));
  h = b.op(OpKind::LeakyRelu, {h}, a, "act");
  h = b.linear(h, 3, 2, "head/out");
  return b.finish(h, LossKind::CrossEntropy, 5);
}

Model mlp_model() {
  ArchOptions o;
  o.seed = 3;
  return build_arch("mlp:4-10-3:tanh", o);
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

void check_same_graph(const Graph& a, const Graph& b) {
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    CAPTURE(a.nodes[i].name);
    CHECK(a.nodes[i].name == b.nodes[i].name);
    CHECK(a.nodes[i].op == b.nodes[i].op);
    CHECK(a.nodes[i].inputs == b.nodes[i].inputs);
    CHECK(a.nodes[i].attrs == b.nodes[i].attrs);
    CHECK(a.nodes[i].block == b.nodes[i].block);
    CHECK(a.nodes[i].constant == b.nodes[i].constant);
  }
  REQUIRE(a.blocks.size() == b.blocks.size());
  for (size_t i = 0; i < a.blocks.size(); ++i) {
    CHECK(a.blocks[i].name == b.blocks[i].name);
    CHECK(a.blocks[i].shape == b.blocks[i].shape);
    CHECK(a.blocks[i].role == b.blocks[i].role);
    CHECK(a.blocks[i].offset == b.blocks[i].offset);
  }
  REQUIRE(a.constants.size() == b.constants.size());
  for (size_t i = 0; i < a.constants.size(); ++i) {
    CHECK(a.constants[i].shape() == b.constants[i].shape());
    CHECK(std::memcmp(a.constants[i].data(), b.constants[i].data(),
                      a.constants[i].size() * sizeof(double)) == 0);
  }
  CHECK(a.input_shape == b.input_shape);
  CHECK(a.label_kind == b.label_kind);
  CHECK(a.target_dim == b.target_dim);
  CHECK(a.input == b.input);
  CHECK(a.label == b.label);
  CHECK(a.output == b.output);
  CHECK(a.loss == b.loss);
}

// The group name of node `index` in /graph/nodes.
std::string node_group(const Graph& g, const std::string& node) {
  const std::string digits = std::to_string(g.find_node(node));
  return std::string(5 - digits.size(), '0') + digits;
}

template <class Fn>
std::string read_error(const std::string& path, Fn&& patch) {
  {
    h5::File f = h5::File::open_write(path);
    patch(f);
    f.close();
  }
  return error_message<FileError>([&] { read_model(path); });
}

}  // namespace

TEST_CASE(
    "a model round-trips bit-exactly: graph, attributes of every type, constants, parameters, "
    "metadata") {
  ScratchDir dir;
  for (const Model& m : {attribute_model(), mlp_model()}) {
    const std::string p = dir.file("m.h5");
    Attrs meta;
    meta.set("step", int64_t{1200});
    meta.set("train_loss", 0.125);
    meta.set("source", std::string("tests"));
    meta.set("sizes", std::vector<int64_t>{4, 10, 3});
    write_model(p, m, meta);
    CHECK_FALSE(temporary_left(p));
    const ModelFile r = read_model_file(p);
    check_same_graph(m.graph, r.model.graph);
    CHECK(same_bits(m.theta, r.model.theta));
    CHECK(r.metadata == meta);
  }
}

TEST_CASE("regression targets and an extreme-valued theta round-trip") {
  ScratchDir dir;
  GraphBuilder b({3});
  b.set_targets(2);
  Model m = b.finish(b.linear(b.input(), 3, 2, "fc"), LossKind::Mse, 1);
  m.theta[0] = std::numeric_limits<double>::denorm_min();
  m.theta[1] = -0.0;
  m.theta[2] = std::numeric_limits<double>::max();
  const std::string p = dir.file("t.h5");
  write_model(p, m);
  const Model r = read_model(p);
  check_same_graph(m.graph, r.graph);
  CHECK(same_bits(m.theta, r.theta));
}

TEST_CASE("a saved and loaded model gives the same loss, gradient and HVP") {
  ScratchDir dir;
  const Model m = attribute_model();
  const std::string p = dir.file("m.h5");
  write_model(p, m);
  const Model r = read_model(p);
  const Dataset d = random_dataset(m.graph, 13, 2, 9);
  auto a = double_objective(m, d, 5);
  auto b = double_objective(r, d, 5);
  const int64_t P = a->num_params();
  std::vector<double> ga(P), gb(P), v(P), ha(P), hb(P);
  for (int64_t i = 0; i < P; ++i) v[i] = std::sin(1.0 + i);
  CHECK(a->gradient(ga.data()).loss == b->gradient(gb.data()).loss);
  CHECK(same_bits(ga, gb));
  a->curvature(v.data(), 1, ha.data(), Curvature::Hessian);
  b->curvature(v.data(), 1, hb.data(), Curvature::Hessian);
  CHECK(same_bits(ha, hb));
}

TEST_CASE("names become HDF5 link names reversibly") {
  CHECK(hdf5_link_name("fc1.weight") == "fc1.weight");
  CHECK(hdf5_link_name("/fc/Gemm") == "%2Ffc%2FGemm");
  CHECK(hdf5_link_name("a%2Fb") == "a%252Fb");
  CHECK(hdf5_link_name(".") == "%.");
  CHECK(hdf5_link_name("") == "%");
}

TEST_CASE("files that are not model files: missing, not HDF5, truncated, another kind") {
  ScratchDir dir;
  const std::string missing = dir.file("missing.h5");
  CHECK(error_message<FileError>([&] { read_model(missing); }) == missing + ": no such file");

  const std::string text = dir.file("text.h5");
  write_bytes(text, "this is not HDF5\n");
  CHECK(error_message<FileError>([&] { read_model(text); }) == text + ": not an HDF5 file");

  CHECK(error_message<FileError>([&] { read_model(dir.path()); }) ==
        dir.path() + ": is a directory, not a file");

  const std::string cut = dir.file("cut.h5");
  write_model(cut, mlp_model());
  truncate_file(cut, static_cast<int64_t>(read_bytes(cut).size() / 2));
  const std::string msg = error_message<FileError>([&] { read_model(cut); });
  CHECK(msg.rfind(cut + ": cannot open the HDF5 file, it is damaged or truncated", 0) == 0);

  const std::string data = dir.file("data.h5");
  {
    h5::File f = h5::File::create(data);
    f.set_attr("format", "hessian-data");
    f.close();
  }
  CHECK(error_message<FileError>([&] { read_model(data); }) ==
        data + ": is a 'hessian-data' file, not a model file (format \"hessian-model\")");

  const std::string bare = dir.file("bare.h5");
  h5::File::create(bare).close();
  CHECK(error_message<FileError>([&] { read_model(bare); }) ==
        bare + ": not a model file (no 'format' attribute; expected \"hessian-model\")");
}

TEST_CASE("a file of another format version is refused") {
  ScratchDir dir;
  const std::string p = dir.file("m.h5");
  write_model(p, mlp_model());
  CHECK(read_error(p, [](h5::File& f) { f.set_attr("version", int64_t{2}); }) ==
        p + ": unknown model format version 2 (this engine reads 1)");
  CHECK(read_error(p, [](h5::File& f) { f.set_attr("version", "1"); }) ==
        p + ": / attribute 'version' is string, expected an integer");
}

TEST_CASE("parameters that do not fit the graph: shape, dtype, NaN, missing, unlisted") {
  ScratchDir dir;
  const Model m = mlp_model();  // fc1.weight [10, 4]
  const std::string p = dir.file("m.h5");
  const std::string node = node_group(m.graph, "fc1.weight");

  write_model(p, m);
  CHECK(
      read_error(p, [&](h5::File& f) {
        f.group("graph").group("nodes").group(node).set_attr("shape", std::vector<int64_t>{10, 5});
      }) == p + ": parameter 'fc1.weight' has shape [10, 4], the graph expects [10, 5]");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          h5::Group params = f.group("parameters");
          params.remove("fc1.weight");
          const std::vector<double> w(50, 0.5);
          params.create_dataset<double>("fc1.weight", {10, 5}, w.data()).set_attr("role", "weight");
        }) == p + ": parameter 'fc1.weight' has shape [10, 5], the graph expects [10, 4]");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          h5::Group params = f.group("parameters");
          params.remove("fc1.bias");
          const std::vector<int64_t> b(10, 1);
          params.create_dataset<int64_t>("fc1.bias", {10}, b.data()).set_attr("role", "bias");
        }) == p + ": parameter 'fc1.bias' has dtype int64, expected float64");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          h5::Dataset d = f.group("parameters").dataset("fc2.weight");
          const double nan = std::nan("");
          d.write_range(4, &nan, 1);
        }) == p + ": parameter 'fc2.weight' holds NaN at index 4");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          const double inf = std::numeric_limits<double>::infinity();
          f.group("parameters").dataset("fc1.bias").write_range(0, &inf, 1);
        }) == p + ": parameter 'fc1.bias' holds Inf at index 0");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) { f.group("parameters").remove("fc2.bias"); }) ==
        p + ": no dataset '/parameters/fc2.bias'");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          f.group("parameters")
              .set_attr("order", std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight"});
        }) == p + ": /parameters/fc2.bias is not listed in /parameters order");

  write_model(p, m);
  CHECK(read_error(p,
                   [&](h5::File& f) {
                     f.group("parameters").dataset("fc1.weight").set_attr("role", "gain");
                   }) == p + ": parameter 'fc1.weight': unknown block role 'gain' (weight, bias, "
                             "norm, embedding, other)");
}

TEST_CASE("broken graphs: unknown op, missing node, bad ids, hostile input shape") {
  ScratchDir dir;
  const Model m = mlp_model();
  const std::string p = dir.file("m.h5");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) {
          f.group("graph")
              .group("nodes")
              .group(node_group(m.graph, "fc1"))
              .set_attr("op", "frobnicate");
        }) == p + ": node 'fc1' has the unknown op 'frobnicate'");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) { f.group("graph").group("nodes").remove("00001"); }) ==
        p + ": /graph/nodes does not hold the nodes 0.." +
            std::to_string(m.graph.nodes.size() - 2) + " (some are missing)");

  write_model(p, m);
  const std::string msg = read_error(p, [&](h5::File& f) {
    f.group("graph")
        .group("nodes")
        .group(node_group(m.graph, "fc1"))
        .set_attr("inputs", std::vector<int64_t>{0, 99});
  });
  CHECK(msg.rfind(p + ": invalid graph: node 'fc1' (linear): input 99 is not an earlier node", 0) ==
        0);

  write_model(p, m);
  CHECK(
      read_error(p, [&](h5::File& f) {
        f.group("graph").set_attr("input_shape",
                                  std::vector<int64_t>{int64_t{1} << 40, int64_t{1} << 40});
      }) == p + ": /graph input_shape [1099511627776, 1099511627776] is not a valid sample shape");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) { f.group("graph").set_attr("loss_op", "mse"); }) ==
        p + ": /graph loss_op 'mse' is not the op of the loss node ('cross_entropy')");

  write_model(p, m);
  CHECK(read_error(p, [&](h5::File& f) { f.remove("graph"); }) == p + ": no group '/graph'");
}

TEST_CASE("a dataset declaring more data than the file holds is refused before allocating") {
  ScratchDir dir;
  const Model m = mlp_model();
  const std::string p = dir.file("m.h5");
  write_model(p, m);
  // Patch the stored extent of fc1.weight [10, 4] in the dataspace message to [10, 2^40]: the
  // reader must refuse it from the header without allocating 80 TB.
  {
    h5::File f = h5::File::open_write(p);
    f.group("graph")
        .group("nodes")
        .group(node_group(m.graph, "fc1.weight"))
        .set_attr("shape", std::vector<int64_t>{10, int64_t{1} << 40});
    f.close();
  }
  std::string bytes = read_bytes(p);
  // HDF5 stores the dataspace extents as 8-byte little-endian integers: 10 then 4.
  std::string from(16, '\0'), to(16, '\0');
  from[0] = 10;
  from[8] = 4;
  to[0] = 10;
  to[8 + 5] = 1;  // 2^40
  REQUIRE(patch_bytes(p, from, to));
  const std::string msg = error_message<FileError>([&] { read_model(p); });
  CHECK(msg.find(p + ": '/parameters/fc1.weight'") == 0);
  CHECK(msg.find("run past the end of the file") != std::string::npos);
}

#ifdef HESS_TEST_ONNX
// The ONNX fixtures with data beside them (tests/data/onnx/*.h5).
constexpr int kOnnxModelFixtures = 8;

TEST_CASE("models imported from ONNX (every fixture) round-trip with the same loss and HVP") {
  ScratchDir dir;
  const std::string fixtures = std::string(HESS_SOURCE_DIR) + "/tests/data/onnx";
  int count = 0;
  for (const auto& e : std::filesystem::directory_iterator(fixtures)) {
    if (e.path().extension() != ".onnx") continue;
    CAPTURE(e.path().string());
    const std::string stem = e.path().stem().string();
    // The command-line fixtures of tests/fixtures/make_onnx_cli_fixtures.py have no data beside
    // them: an unsupported op, mlp.onnx with a symbolic input, a CNN exported with folded
    // BatchNorm. Every other fixture has its data.
    if (stem == "unsupported" || stem == "mlp_symbolic" || stem == "cnn_folded") continue;
    const Dataset d = read_data(fixtures + "/" + stem + ".h5");
    OnnxImportOptions o;
    o.sample_shape = d.sample_shape;
    if (stem.find("mse") != std::string::npos) o.loss = LossKind::Mse;
    const Model m = import_onnx(e.path().string(), o);
    const std::string p = dir.file(stem + ".h5");
    write_model(p, m);
    const Model r = read_model(p);
    check_same_graph(m.graph, r.graph);
    CHECK(same_bits(m.theta, r.theta));
    auto a = double_objective(m, d, 7);
    auto b = double_objective(r, d, 7);
    const int64_t P = a->num_params();
    std::vector<double> v(P), ha(P), hb(P);
    for (int64_t i = 0; i < P; ++i) v[i] = std::cos(0.5 + i);
    CHECK(a->value().loss == b->value().loss);
    a->curvature(v.data(), 1, ha.data(), Curvature::Hessian);
    b->curvature(v.data(), 1, hb.data(), Curvature::Hessian);
    CHECK(same_bits(ha, hb));
    ++count;
  }
  CHECK(count == kOnnxModelFixtures);
}
#endif
