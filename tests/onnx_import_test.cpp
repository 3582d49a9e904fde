// io/onnx: models exported by torch.onnx.export against PyTorch's own float64 numbers
// (tests/fixtures/make_onnx_fixtures.py wrote tests/data/onnx/), and hostile or broken files.
#include <doctest/doctest.h>
#include <hdf5.h>
#include <onnx/onnx_pb.h>

#include <Eigen/Core>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

#include "analyzers/eigen.h"
#include "engine/curvature_operator.h"
#include "engine/random.h"
#include "io/onnx/onnx_import.h"
#include "support/fd_check.h"

using namespace hess;
using hess::test::rel_err;

namespace {

// Agreement with PyTorch in double (DESIGN.md §6).
constexpr double kLossRelTol = 1e-10;
constexpr double kGradRelTol = 1e-10;
constexpr double kHvpRelTol = 1e-8;
constexpr double kEigenRelTol = 1e-6;
// Float evaluation against PyTorch's double.
constexpr double kFloatRelTol = 1e-4;
// Lanczos settings for the top-3 eigenvalues.
constexpr int kTopK = 3;
constexpr double kLanczosTol = 1e-12;
// Batches of 7 over 24 samples: the graphs were traced at batch 4, and a partial last batch.
constexpr int64_t kBatch = 7;

const std::string kDir = std::string(HESS_SOURCE_DIR) + "/tests/data/onnx/";

// --- Reading the fixture files with the HDF5 C API.

// An HDF5 handle closed by `Close` (H5Fclose, H5Gclose, H5Dclose, H5Aclose, H5Tclose).
template <herr_t (*Close)(hid_t)>
struct Handle {
  hid_t id;
  explicit Handle(hid_t i) : id(i) { REQUIRE(id >= 0); }
  ~Handle() { Close(id); }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
};
using H5File = Handle<H5Fclose>;
using H5Group = Handle<H5Gclose>;
using H5Dataset = Handle<H5Dclose>;
using H5Attr = Handle<H5Aclose>;
using H5Type = Handle<H5Tclose>;

Shape dims_of(hid_t dset) {
  const hid_t space = H5Dget_space(dset);
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> d(rank);
  H5Sget_simple_extent_dims(space, d.data(), nullptr);
  H5Sclose(space);
  return Shape(d.begin(), d.end());
}

template <class T>
std::vector<T> read(hid_t file, const char* path, hid_t mem_type, Shape* shape = nullptr) {
  H5Dataset d(H5Dopen2(file, path, H5P_DEFAULT));
  const Shape s = dims_of(d.id);
  if (shape) *shape = s;
  std::vector<T> v(numel(s));
  REQUIRE(H5Dread(d.id, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v.data()) >= 0);
  return v;
}

Eigen::VectorXd read_vector(hid_t file, const char* path) {
  const std::vector<double> v = read<double>(file, path, H5T_NATIVE_DOUBLE);
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

// A dataset of fixed-length ASCII strings.
std::vector<std::string> read_strings(hid_t file, const char* path) {
  H5Dataset d(H5Dopen2(file, path, H5P_DEFAULT));
  const H5Type t(H5Dget_type(d.id));
  const size_t len = H5Tget_size(t.id);
  const int64_t n = numel(dims_of(d.id));
  std::vector<char> buf(n * len);
  REQUIRE(H5Dread(d.id, t.id, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()) >= 0);
  std::vector<std::string> out;
  for (int64_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * len, len);
    out.push_back(s.substr(0, s.find('\0')));
  }
  return out;
}

// A variable-length string attribute (what h5py writes).
std::string read_string_attr(hid_t obj, const char* name) {
  H5Attr a(H5Aopen(obj, name, H5P_DEFAULT));
  const H5Type mem(H5Tcopy(H5T_C_S1));
  H5Tset_size(mem.id, H5T_VARIABLE);
  H5Tset_cset(mem.id, H5T_CSET_UTF8);
  char* s = nullptr;
  REQUIRE(H5Aread(a.id, mem.id, &s) >= 0);
  std::string out(s);
  H5free_memory(s);
  return out;
}

struct Fixture {
  std::string name;
  Dataset data;
  LossKind loss = LossKind::CrossEntropy;
  std::vector<std::string> names;  // PyTorch parameter order
  std::vector<int64_t> numel;
  double loss_value = 0.0;
  Eigen::VectorXd theta, grad, v, hv, eigenvalues;
};

Fixture load_fixture(const std::string& name) {
  Fixture f;
  f.name = name;
  H5File file(H5Fopen((kDir + name + ".h5").c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  Shape xs;
  f.data.x = read<float>(file.id, "X", H5T_NATIVE_FLOAT, &xs);
  f.data.sample_shape.assign(xs.begin() + 1, xs.end());
  f.data.labels = read<int64_t>(file.id, "y", H5T_NATIVE_INT64);
  H5Group ref(H5Gopen2(file.id, "reference", H5P_DEFAULT));
  f.loss = parse_enum<LossKind>(read_string_attr(ref.id, "loss_kind"));
  f.names = read_strings(ref.id, "param_names");
  f.numel = read<int64_t>(ref.id, "param_numel", H5T_NATIVE_INT64);
  f.loss_value = read<double>(ref.id, "loss", H5T_NATIVE_DOUBLE).at(0);
  f.theta = read_vector(ref.id, "theta");
  f.grad = read_vector(ref.id, "grad");
  f.v = read_vector(ref.id, "v");
  f.hv = read_vector(ref.id, "hv");
  f.eigenvalues = read_vector(ref.id, "eigenvalues");
  return f;
}

Model import_fixture(const Fixture& f) {
  OnnxImportOptions opt;
  opt.loss = f.loss;
  return import_onnx(kDir + f.name + ".onnx", opt);
}

// A flat vector in PyTorch's parameter order rearranged into the engine's block order, by name.
Eigen::VectorXd to_engine(const Graph& g, const Fixture& f, const Eigen::VectorXd& torch_order) {
  Eigen::VectorXd out(g.num_params());
  int64_t at = 0;
  for (size_t i = 0; i < f.names.size(); ++i) {
    const int b = g.find_block(f.names[i]);
    REQUIRE_MESSAGE(b >= 0, "no block named " << f.names[i]);
    REQUIRE(g.blocks[b].size() == f.numel[i]);
    out.segment(g.blocks[b].offset, f.numel[i]) = torch_order.segment(at, f.numel[i]);
    at += f.numel[i];
  }
  REQUIRE(at == g.num_params());
  return out;
}

std::unique_ptr<Objective> objective(const Model& m, const Dataset& d, Precision p) {
  ObjectiveOptions options;
  options.batch_size = kBatch;
  options.threads = 1;
  auto obj = make_objective(m.graph, d, test::all_rows(d.size()), options, p);
  obj->set_parameters(m.theta);
  return obj;
}

Eigen::VectorXd top_eigenvalues(Objective& obj) {
  ObjectiveOperator H(obj, Curvature::Hessian);
  EigenOptions o;
  o.k = kTopK;
  o.which = Which::Largest;
  o.tol = kLanczosTol;
  const EigenResult r = run(o, H);
  REQUIRE_MESSAGE(r.status == Status::Ok, r.message);
  return r.eigenvalues;
}

// The whole comparison of one exported model with PyTorch.
void check_against_pytorch(const std::string& name) {
  CAPTURE(name);
  const Fixture f = load_fixture(name);
  const Model m = import_fixture(f);
  const int64_t P = m.graph.num_params();
  CHECK(P == f.theta.size());
  CHECK(m.graph.input_shape == f.data.sample_shape);
  const Eigen::Map<const Eigen::VectorXd> theta(m.theta.data(), P);
  CHECK(theta == to_engine(m.graph, f, f.theta));  // initializers read exactly

  auto obj = objective(m, f.data, Precision::F64);
  Eigen::VectorXd g(P);
  const double loss = obj->gradient(g.data()).loss;
  const double loss_err = std::abs(loss - f.loss_value) / std::abs(f.loss_value);
  const double grad_err = rel_err(g, to_engine(m.graph, f, f.grad));
  CHECK(loss_err <= kLossRelTol);
  CHECK(grad_err <= kGradRelTol);

  const Eigen::VectorXd v = to_engine(m.graph, f, f.v);
  Eigen::VectorXd hv(P);
  obj->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
  const double hv_err = rel_err(hv, to_engine(m.graph, f, f.hv));
  CHECK(hv_err <= kHvpRelTol);

  const Eigen::VectorXd eig = top_eigenvalues(*obj);
  const double eig_err =
      ((eig - f.eigenvalues).cwiseAbs().array() / f.eigenvalues.cwiseAbs().array()).maxCoeff();
  CHECK(eig_err <= kEigenRelTol);
  MESSAGE(name << ": loss " << loss_err << ", gradient " << grad_err << ", Hv " << hv_err
               << ", eigenvalues " << eig_err << " (relative errors against PyTorch float64)");

  auto obj32 = objective(m, f.data, Precision::F32);
  Eigen::VectorXd g32(P);
  const double loss32 = obj32->gradient(g32.data()).loss;
  CHECK(std::abs(loss32 - f.loss_value) <= kFloatRelTol * std::abs(f.loss_value));
  CHECK(rel_err(g32, to_engine(m.graph, f, f.grad)) <= kFloatRelTol);
}

int count_ops(const Graph& g, OpKind kind) {
  return static_cast<int>(std::count_if(g.nodes.begin(), g.nodes.end(),
                                        [kind](const Node& n) { return n.op == kind; }));
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

onnx::ModelProto load_proto(const std::string& name) {
  onnx::ModelProto m;
  REQUIRE(m.ParseFromString(file_bytes(kDir + name + ".onnx")));
  return m;
}

// The message of the OnnxImportError importing `m` gives ("" when it imports).
std::string import_error(const onnx::ModelProto& m, const std::string& name = "model.onnx") {
  try {
    import_onnx_bytes(m.SerializeAsString(), name, {});
  } catch (const OnnxImportError& e) {
    return e.what();
  }
  return {};
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

onnx::NodeProto& node_of_type(onnx::ModelProto& m, const std::string& op) {
  for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node()) {
    if (n.op_type() == op) return n;
  }
  FAIL("no node of type " << op);
  throw;
}

// A Constant node holding int64 values; returns its output's name.
std::string int64_constant(onnx::ModelProto& m, const std::vector<int64_t>& values) {
  onnx::NodeProto& c = *m.mutable_graph()->add_node();
  const std::string name = "constant" + std::to_string(m.graph().node_size());
  c.set_op_type("Constant");
  c.set_name(name);
  c.add_output(name);
  onnx::AttributeProto& a = *c.add_attribute();
  a.set_name("value");
  a.set_type(onnx::AttributeProto::TENSOR);
  a.mutable_t()->set_data_type(onnx::TensorProto::INT64);
  a.mutable_t()->add_dims(static_cast<int64_t>(values.size()));
  for (int64_t v : values) a.mutable_t()->add_int64_data(v);
  return name;
}

// A node `op` named "appended" reading the graph output (and `more` inputs) becomes the output.
onnx::NodeProto& append_to_output(onnx::ModelProto& m, const std::string& op,
                                  const std::vector<std::string>& more) {
  onnx::GraphProto& g = *m.mutable_graph();
  onnx::NodeProto& n = *g.add_node();
  n.set_op_type(op);
  n.set_name("appended");
  n.add_input(g.output(0).name());
  for (const std::string& in : more) n.add_input(in);
  n.add_output("appended");
  g.mutable_output(0)->set_name("appended");
  return n;
}

}  // namespace

TEST_CASE("MLPs exported by PyTorch match PyTorch's loss, gradient, Hv and top eigenvalues") {
  check_against_pytorch("mlp");
  check_against_pytorch("mlp_mse");
}

TEST_CASE(
    "self-attention (nn.MultiheadAttention) traced at batch 4 and with dynamic_axes matches "
    "PyTorch") {
  // The first keeps the traced batch size in its reshape targets, the second computes them from
  // Shape; both run here in batches of 7 and 3.
  check_against_pytorch("attention");
  check_against_pytorch("attention_dynamic");
  const Model m = import_fixture(load_fixture("attention"));
  CHECK(count_ops(m.graph, OpKind::Gelu) == 1);  // 0.5·x·(1 + erf(x/√2))
  CHECK(count_ops(m.graph, OpKind::Silu) == 1);  // x·σ(x)
  CHECK(count_ops(m.graph, OpKind::Softmax) == 1);
}

TEST_CASE("a CNN with BatchNorm matches PyTorch") {
  check_against_pytorch("cnn");
}

TEST_CASE("a ResNet with residual additions matches PyTorch") {
  check_against_pytorch("resnet");
}

TEST_CASE("transformer encoders (dynamic and traced batch) match PyTorch") {
  check_against_pytorch("transformer");
  check_against_pytorch("transformer_static");
}

TEST_CASE("blocks keep PyTorch's names and order; decompositions fold into engine ops") {
  const Fixture f = load_fixture("mlp");
  const Model m = import_fixture(f);
  std::vector<std::string> names;
  for (const Block& b : m.graph.blocks) names.push_back(b.name);
  CHECK(names == f.names);  // file order = state_dict order
  CHECK(m.graph.blocks[0].role == BlockRole::Weight);
  CHECK(m.graph.blocks[1].role == BlockRole::Bias);
  CHECK(count_ops(m.graph, OpKind::GeluTanh) == 1);  // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))
  CHECK(count_ops(m.graph, OpKind::Linear) == 3);    // Gemm with transB
  CHECK(count_ops(m.graph, OpKind::Mul) == 0);
  CHECK(m.graph.nodes[m.graph.loss].op == OpKind::CrossEntropy);

  const Model mse = import_fixture(load_fixture("mlp_mse"));
  CHECK(mse.graph.nodes[mse.graph.loss].op == OpKind::Mse);
  CHECK(mse.graph.input_shape == Shape{2, 3, 3});
}

TEST_CASE("normalization, embedding and untied parameters") {
  const Model resnet = import_fixture(load_fixture("resnet"));
  const Graph& g = resnet.graph;
  // PyTorch merged two equal biases (both feed the same residual sum) into one initializer and an
  // Identity; each is its own block again.
  const int merged = g.find_block("layer1.1.downsample.1.bias"),
            kept = g.find_block("layer1.1.bn2.bias");
  REQUIRE(merged >= 0);
  REQUIRE(kept >= 0);
  CHECK(g.blocks[merged].role == BlockRole::Norm);
  CHECK(g.find_block("bn1.running_mean") < 0);  // running statistics are constants
  CHECK(count_ops(g, OpKind::BatchNorm) == 6);

  const Model tr = import_fixture(load_fixture("transformer_static"));
  CHECK(count_ops(tr.graph, OpKind::LayerNorm) == 2);  // the opset-14 ReduceMean/Sub/Pow/... chains
  CHECK(count_ops(tr.graph, OpKind::Gelu) == 1);       // 0.5·x·(1 + erf(x/√2))
  CHECK(tr.graph.blocks[tr.graph.find_block("embed.weight")].role == BlockRole::Embedding);
  CHECK(tr.graph.input_shape == Shape{8});

  // AvgPool2d(3, padding=1) is exported as Pad + AveragePool: one pool counting the padding.
  const Model cnn = import_fixture(load_fixture("cnn"));
  const auto pool = std::find_if(cnn.graph.nodes.begin(), cnn.graph.nodes.end(),
                                 [](const Node& n) { return n.op == OpKind::AvgPool2d; });
  REQUIRE(pool != cnn.graph.nodes.end());
  CHECK(pool->attrs.get_ints("padding") == std::vector<int64_t>{1, 1, 1, 1});
  CHECK(pool->attrs.get_int("count_include_pad") == 1);
}

TEST_CASE("running statistics the exporter merged into a parameter are constants") {
  // A fresh BatchNorm's zero mean equals its zero bias, and the exporter then writes the mean as
  // Identity(bias). Imported, it must be a constant with the bias's values: the same model as one
  // whose mean is an initializer holding a copy of the bias.
  const Fixture f = load_fixture("cnn");
  onnx::ModelProto merged = load_proto("cnn");
  onnx::NodeProto& bn = node_of_type(merged, "BatchNormalization");
  const std::string bias = bn.input(2);
  onnx::ModelProto copied = merged;
  onnx::GraphProto& g = *merged.mutable_graph();
  onnx::NodeProto& id = *g.add_node();
  id.set_op_type("Identity");
  id.set_name("merged_mean");
  id.add_input(bias);
  id.add_output("merged_mean");
  node_of_type(merged, "BatchNormalization").set_input(3, "merged_mean");
  onnx::GraphProto& cg = *copied.mutable_graph();
  for (const onnx::TensorProto& t :
       std::vector<onnx::TensorProto>(cg.initializer().begin(), cg.initializer().end())) {
    if (t.name() != bias) continue;
    onnx::TensorProto& c = *cg.add_initializer();
    c = t;
    c.set_name("copied_mean");
  }
  node_of_type(copied, "BatchNormalization").set_input(3, "copied_mean");
  OnnxImportOptions opt;
  opt.loss = f.loss;
  const Model a = import_onnx_bytes(merged.SerializeAsString(), "merged.onnx", opt);
  const Model b = import_onnx_bytes(copied.SerializeAsString(), "copied.onnx", opt);
  CHECK(a.graph.find_block("merged_mean") < 0);
  CHECK(a.graph.blocks.size() == b.graph.blocks.size());
  CHECK(a.theta == b.theta);
  const double la = objective(a, f.data, Precision::F64)->value().loss;
  const double lb = objective(b, f.data, Precision::F64)->value().loss;
  CHECK(la == lb);
  CHECK(la != doctest::Approx(f.loss_value).epsilon(1e-6));  // the mean did change
}

TEST_CASE("Gemm's alpha, beta and transB are honoured") {
  // fc2 rewritten to compute the same function: its weight stored transposed (transB = 0) and
  // halved (alpha = 2), its bias halved (beta = 2). Halving is exact in float32.
  const Fixture f = load_fixture("mlp");
  onnx::ModelProto m = load_proto("mlp");
  for (onnx::TensorProto& t : *m.mutable_graph()->mutable_initializer()) {
    if (t.name() != "fc2.weight" && t.name() != "fc2.bias") continue;
    std::vector<float> v(t.raw_data().size() / sizeof(float));
    std::memcpy(v.data(), t.raw_data().data(), t.raw_data().size());
    std::vector<float> w(v.size());
    if (t.dims_size() == 2) {
      const int64_t rows = t.dims(0), cols = t.dims(1);
      for (int64_t r = 0; r < rows; ++r) {
        for (int64_t c = 0; c < cols; ++c) w[c * rows + r] = 0.5f * v[r * cols + c];
      }
      t.set_dims(0, cols);
      t.set_dims(1, rows);
    } else {
      for (size_t i = 0; i < v.size(); ++i) w[i] = 0.5f * v[i];
    }
    t.set_raw_data(w.data(), w.size() * sizeof(float));
  }
  for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node()) {
    if (n.op_type() != "Gemm" || n.input(1) != "fc2.weight") continue;
    for (onnx::AttributeProto& a : *n.mutable_attribute()) {
      if (a.name() == "transB") a.set_i(0);
      if (a.name() == "alpha" || a.name() == "beta") a.set_f(2.0f);
    }
  }
  const Model g = import_onnx_bytes(m.SerializeAsString(), "gemm.onnx", {});
  CHECK(count_ops(g.graph, OpKind::MatMul) == 1);
  CHECK(count_ops(g.graph, OpKind::Linear) == 2);
  auto obj = objective(g, f.data, Precision::F64);
  CHECK(std::abs(obj->value().loss - f.loss_value) <= kLossRelTol * std::abs(f.loss_value));
}

TEST_CASE("hostile bytes give an error naming the file, never a crash") {
  const std::string good = file_bytes(kDir + "mlp.onnx");
  REQUIRE(!good.empty());
  CHECK_NOTHROW(import_onnx_bytes(good, "mlp.onnx", {}));
  for (size_t cut : {size_t{0}, size_t{1}, good.size() / 10, good.size() / 2, good.size() - 1}) {
    CAPTURE(cut);
    CHECK_THROWS_WITH_AS(import_onnx_bytes(good.substr(0, cut), "mlp.onnx", {}),
                         doctest::Contains("mlp.onnx: "), OnnxImportError);
  }
  Rng rng(17);
  for (int trial = 0; trial < 20; ++trial) {
    std::string noise(64 + rng.below(4096), '\0');
    for (char& ch : noise) ch = static_cast<char>(rng.below(256));
    CHECK_THROWS_AS(import_onnx_bytes(noise, "noise.onnx", {}), OnnxImportError);
  }
  // Random byte flips: the result imports or is an OnnxImportError, nothing else.
  for (int trial = 0; trial < 300; ++trial) {
    std::string bytes = good;
    for (int k = 0; k < 1 + trial % 4; ++k)
      bytes[rng.below(static_cast<int64_t>(bytes.size()))] = static_cast<char>(rng.below(256));
    try {
      import_onnx_bytes(bytes, "flipped.onnx", {});
    } catch (const OnnxImportError& e) {
      CHECK(contains(e.what(), "flipped.onnx: "));
    }
  }
  OnnxImportOptions small;
  small.max_bytes = 100;
  CHECK_THROWS_WITH_AS(import_onnx_bytes(good, "mlp.onnx", small),
                       doctest::Contains("above the limit of 100"), OnnxImportError);
  CHECK_THROWS_WITH_AS(import_onnx(kDir + "no_such_file.onnx", {}),
                       doctest::Contains("cannot open"), OnnxImportError);
  CHECK_THROWS_WITH_AS(import_onnx(kDir, {}), doctest::Contains("not a regular file"),
                       OnnxImportError);
}

TEST_CASE("broken graphs give errors naming the node or initializer at fault") {
  SUBCASE("an unsupported op") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::NodeProto& n = node_of_type(m, "Tanh");
    n.set_op_type("Cos");
    CHECK(import_error(m) == "model.onnx: node '" + n.name() +
                                 "' uses op 'Cos' (opset 13), which is not supported; supported: " +
                                 supported_onnx_ops());
    n.set_domain("com.example");
    CHECK(contains(import_error(m), "uses op 'com.example.Cos'"));
  }
  SUBCASE("an op and a node name of a mebibyte each are cut in the message") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::NodeProto& n = node_of_type(m, "Tanh");
    n.set_op_type(std::string(1 << 20, 'X'));
    n.set_name(std::string(1 << 20, 'n'));
    const std::string e = import_error(m);
    CHECK(e.size() < 2 * kLongestWord);
    CHECK(contains(e, "… (1048576 characters)"));
  }
  SUBCASE("a cycle") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::GraphProto& g = *m.mutable_graph();
    g.mutable_node(g.node_size() - 1)->set_input(0, g.node(g.node_size() - 1).output(0));
    CHECK(contains(import_error(m), "model.onnx: the graph has a cycle through node '"));
  }
  SUBCASE("an initializer whose data does not fit its dims") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::TensorProto& t = *m.mutable_graph()->mutable_initializer(0);
    t.set_dims(0, t.dims(0) + 1);
    CHECK(contains(import_error(m), "model.onnx: initializer '" + t.name() + "' has "));
    CHECK(contains(import_error(m), "bytes of raw data but its dims"));
  }
  SUBCASE("a node naming a missing input") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::NodeProto& n = node_of_type(m, "Tanh");
    n.set_input(0, "nowhere");
    CHECK(import_error(m) ==
          "model.onnx: node '" + n.name() +
              "' (Tanh): input 'nowhere' is not produced by any node, initializer or graph input");
  }
  SUBCASE("pattern candidates with missing inputs or outputs (found by fuzzing)") {
    onnx::ModelProto m = load_proto("attention");
    onnx::NodeProto& erf = node_of_type(m, "Erf");
    for (onnx::NodeProto& n : *m.mutable_graph()->mutable_node()) {
      if (n.output_size() > 0 && n.output(0) == erf.input(0))
        n.mutable_input()->RemoveLast();  // Div(x)
    }
    CHECK(contains(import_error(m), "(Div): input 1 is missing"));
    onnx::ModelProto e = load_proto("attention");
    node_of_type(e, "Erf").clear_output();
    CHECK(contains(import_error(e), "is not produced by any node, initializer or graph input"));
  }
  SUBCASE("a value produced twice") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::GraphProto& g = *m.mutable_graph();
    g.mutable_node(1)->set_output(0, g.node(0).output(0));
    CHECK(contains(import_error(m), "is also produced by node '"));
  }
  SUBCASE("an opset outside 13-17") {
    onnx::ModelProto m = load_proto("mlp");
    m.mutable_opset_import(0)->set_version(11);
    CHECK(contains(import_error(m), "model.onnx: opset 11 is not supported"));
  }
  SUBCASE("data kept in an external file") {
    onnx::ModelProto m = load_proto("mlp");
    m.mutable_graph()->mutable_initializer(0)->set_data_location(onnx::TensorProto::EXTERNAL);
    CHECK(contains(import_error(m), "external file"));
  }
  SUBCASE("two graph inputs") {
    onnx::ModelProto m = load_proto("mlp");
    *m.mutable_graph()->add_input() = m.graph().input(0);
    m.mutable_graph()->mutable_input(1)->set_name("second");
    CHECK(contains(import_error(m), "the graph has 2 inputs"));
  }
  SUBCASE("an attribute of the wrong type") {
    onnx::ModelProto m = load_proto("mlp");
    onnx::NodeProto& n = node_of_type(m, "Gemm");
    for (onnx::AttributeProto& a : *n.mutable_attribute()) {
      if (a.name() == "transB") a.set_type(onnx::AttributeProto::FLOAT);
    }
    CHECK(import_error(m) == "model.onnx: node '" + n.name() +
                                 "' (Gemm): attribute 'transB' has type FLOAT, expected INT");
  }
  SUBCASE("an output that is not [batch, classes]") {
    onnx::ModelProto m = load_proto("mlp_mse");  // batch symbolic: probed at 2
    append_to_output(m, "Unsqueeze", {int64_constant(m, {1})});
    CHECK(import_error(m) ==
          "model.onnx: graph output 'appended' has shape [2, 1, 4] at batch size 2; the loss needs "
          "[batch, outputs]");
  }
  SUBCASE("ops across the batch axis") {
    onnx::ModelProto m = load_proto("mlp");  // traced at batch 4
    onnx::NodeProto& soft = append_to_output(m, "Softmax", {});
    onnx::AttributeProto* axis = soft.add_attribute();
    axis->set_name("axis");
    axis->set_type(onnx::AttributeProto::INT);
    axis->set_i(0);
    CHECK(import_error(m) ==
          "model.onnx: node 'appended' (Softmax): works along the batch axis, which mixes samples");

    onnx::ModelProto r = load_proto("mlp");
    append_to_output(r, "Reshape", {int64_constant(r, {5, 4})});
    CHECK(import_error(r) ==
          "model.onnx: node 'appended' (Reshape): reshapes [4, 5] to [5, 4], which mixes samples "
          "of the batch");

    onnx::ModelProto t = load_proto("transformer_static");
    for (onnx::NodeProto& n : *t.mutable_graph()->mutable_node()) {
      if (n.name() != "/ReduceMean") continue;
      for (onnx::AttributeProto& a : *n.mutable_attribute()) {
        if (a.name() == "axes") a.set_ints(0, 0);
      }
    }
    CHECK(import_error(t) ==
          "model.onnx: node '/ReduceMean' (ReduceMean): works along the batch axis, which mixes "
          "samples");
  }
}

TEST_CASE("options: sample shape and loss are checked") {
  OnnxImportOptions opt;
  opt.sample_shape = {13};
  CHECK_THROWS_WITH_AS(import_onnx(kDir + "mlp.onnx", opt),
                       doctest::Contains("has samples [12], expected [13]"), OnnxImportError);
  opt.sample_shape = {12};
  opt.loss = LossKind::Mse;
  const Model m = import_onnx(kDir + "mlp.onnx", opt);
  CHECK(m.graph.nodes[m.graph.loss].op == OpKind::Mse);
  opt.max_bytes = 0;
  CHECK_THROWS_AS(import_onnx(kDir + "mlp.onnx", opt), std::invalid_argument);
}
