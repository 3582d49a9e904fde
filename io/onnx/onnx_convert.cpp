#include "io/onnx/onnx_converter.h"

#include <algorithm>

#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_patterns.h"

namespace hess::onnx_import {

namespace {

// The first probe batch size when the graph's batch extent is symbolic; the second is one more.
constexpr int64_t kSymbolicProbeBatch = 2;

// An op the importer does not map; its message is complete (not prefixed with the node).
class UnsupportedOp : public ImportFault {
 public:
  using ImportFault::ImportFault;
};

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// How an initializer is read by the live nodes.
struct Use {
  bool data = false;   // as data (anything but BatchNorm's running statistics)
  bool stats = false;  // as BatchNorm running mean or variance
  BlockRole role = BlockRole::Weight;
  int rank = 0;  // how sure the role is: 0 from the name, 1 bias, 2 norm, 3 embedding
  void hint(BlockRole r, int sure) {
    if (sure > rank) {
      role = r;
      rank = sure;
    }
  }
};

void note_use(std::unordered_map<std::string, Use>& uses, const onnx::NodeProto& n) {
  const std::string& op = n.op_type();
  for (int k = 0; k < n.input_size(); ++k) {
    const std::string& in = n.input(k);
    if (in.empty()) continue;
    Use& u = uses[in];
    if (op == "BatchNormalization" && (k == 3 || k == 4)) {
      u.stats = true;
      continue;
    }
    u.data = true;
    if (op == "Gather" && k == 0) u.hint(BlockRole::Embedding, 3);
    if ((op == "BatchNormalization" || op == "LayerNormalization") && (k == 1 || k == 2))
      u.hint(BlockRole::Norm, 2);
    if ((op == "Conv" || op == "Gemm") && k == 2) u.hint(BlockRole::Bias, 1);
  }
}

// 'a', 'b', 'c'
std::string quoted_list(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "'" : ", '") + n + "'";
  return out;
}

BlockRole role_of(const std::string& name, const Use& u) {
  if (u.rank > 0) return u.role;
  return ends_with(name, "bias") ? BlockRole::Bias : BlockRole::Weight;
}

}  // namespace

const HandlerTable& handler_table() {
  static const HandlerTable table = [] {
    HandlerTable t;
    add_shape_handlers(t);
    add_math_handlers(t);
    add_nn_handlers(t);
    return t;
  }();
  return table;
}

Converter::Converter(const onnx::ModelProto& model, const OnnxImportOptions& options,
                     std::map<std::string, int64_t> opsets)
    : model_(model), options_(options), opsets_(std::move(opsets)) {}

int64_t Converter::opset() const {
  const auto it = opsets_.find("");
  return it == opsets_.end() ? 0 : it->second;
}

void Converter::read_graph_input() {
  const onnx::GraphProto& g = model_.graph();
  std::vector<const onnx::ValueInfoProto*> inputs;
  std::vector<std::string> names;
  for (const onnx::ValueInfoProto& in : g.input()) {
    if (initializers_.count(in.name())) continue;
    inputs.push_back(&in);
    names.push_back(in.name());
  }
  if (inputs.size() != 1) {
    fault("the graph has " + std::to_string(inputs.size()) + " inputs" +
          (names.empty() ? "" : " (" + quoted_list(names) + ")") +
          "; the engine reads exactly one");
  }
  const onnx::ValueInfoProto& in = *inputs[0];
  input_name_ = in.name();
  const std::string what = "graph input '" + in.name() + "'";
  if (!in.type().has_tensor_type()) fault(what + " is not a tensor");
  const onnx::TypeProto::Tensor& tt = in.type().tensor_type();
  ElemKind kind;
  try {
    kind = elem_kind(tt.elem_type());
  } catch (const ImportFault& e) {
    fault(what + " " + e.what());
  }
  if (kind == ElemKind::Bool) fault(what + " holds booleans");
  input_ids_ = kind == ElemKind::Integer;
  if (!tt.has_shape() || tt.shape().dim_size() < 1)
    fault(what + " has no shape (it needs at least the batch axis)");
  if (tt.shape().dim_size() > kMaxRank) fault(what + " has more than 8 axes");
  const auto& dims = tt.shape().dim();
  int64_t b0 = kSymbolicProbeBatch;
  if (dims[0].has_dim_value()) {
    b0 = dims[0].dim_value();
    if (b0 <= 0 || b0 > kMaxExtent) fault(what + " has batch extent " + std::to_string(b0));
  }
  Shape sample;
  std::vector<bool> known;
  for (int i = 1; i < dims.size(); ++i) {
    known.push_back(dims[i].has_dim_value());
    sample.push_back(dims[i].has_dim_value() ? dims[i].dim_value() : 0);
  }
  const bool symbolic = std::find(known.begin(), known.end(), false) != known.end();
  const Shape& given = !options_.sample_shape.empty() ? options_.sample_shape
                       : symbolic && !options_.sample_shape_hint.empty()
                           ? options_.sample_shape_hint
                           : options_.sample_shape;
  if (!given.empty()) {
    if (given.size() != sample.size()) {
      fault(what + " has samples of rank " + std::to_string(sample.size()) +
            ", the expected sample shape " + to_string(given) + " has rank " +
            std::to_string(given.size()));
    }
    for (size_t i = 0; i < sample.size(); ++i) {
      if (known[i] && sample[i] != given[i]) {
        fault(what + " has samples " + to_string(sample) + ", expected " + to_string(given));
      }
    }
    sample = given;
  } else {
    for (size_t i = 0; i < sample.size(); ++i) {
      if (!known[i])
        fault(what + " has a symbolic extent on axis " + std::to_string(i + 1) +
              "; give the sample shape");
    }
  }
  for (int64_t d : sample) {
    if (d <= 0) fault(what + " has samples of shape " + to_string(sample));
  }
  checked_numel(sample, kMaxActivationElements, "graph input");
  em_.emplace(sample, b0, b0 + 1);
  Value v;
  v.name = input_name_;
  v.node = em_->input();
  v.ids = input_ids_;
  v.digit = BatchDigit{0, 1, 1};
  values_[input_name_] = v;
}

void Converter::classify_initializers(const std::vector<int>& live) {
  std::unordered_map<std::string, Use> uses;
  for (int i : live) note_use(uses, graph_.nodes[i]);
  const auto is_constant_by_option = [&](const std::string& name) {
    return std::find(options_.constants.begin(), options_.constants.end(), name) !=
           options_.constants.end();
  };
  for (const onnx::TensorProto& t : model_.graph().initializer()) {
    const auto use = uses.find(t.name());
    if (use == uses.end()) continue;
    StaticTensor st;
    try {
      st = read_tensor(t);
    } catch (const ImportFault& e) {
      fault("initializer '" + t.name() + "' " + e.what());
    }
    Value v;
    v.name = t.name();
    const Use& u = use->second;
    if (st.kind == ElemKind::Real && u.data && !u.stats && !is_constant_by_option(t.name())) {
      v.node = em_->param(t.name(), st.shape, role_of(t.name(), u), st.v0);
    } else {
      v.known = true;
      v.st = std::move(st);
    }
    values_[t.name()] = std::move(v);
  }
  // A parameter the exporter merged into another of equal value comes back as Identity(param):
  // give it its own block under its own name. When the merged tensor is BatchNorm's running
  // statistics (a fresh BatchNorm's zero mean and unit variance equal its bias and scale), it is a
  // constant holding those values.
  for (int i : live) {
    const onnx::NodeProto& n = graph_.nodes[i];
    if (n.op_type() != "Identity" || n.input_size() != 1 || n.output_size() != 1 ||
        n.output(0).empty())
      continue;
    const auto src = values_.find(n.input(0));
    if (src == values_.end() || src->second.known || src->second.node < 0) continue;
    const Graph& g = em_->graph();
    const Node& pn = g.nodes[src->second.node];
    if (pn.op != OpKind::Param) continue;
    const Block b = g.blocks[pn.block];
    const std::vector<double> values(em_->theta().begin() + b.offset,
                                     em_->theta().begin() + b.offset + b.size());
    Value v;
    v.name = n.output(0);
    const Use& u = uses[v.name];
    if (u.stats && !u.data) {
      v.known = true;
      v.st.shape = b.shape;
      v.st.v0 = values;
      values_[v.name] = std::move(v);
      continue;
    }
    if (em_->graph().find_block(v.name) >= 0)
      fault(describe(n) + ": parameter '" + v.name + "' exists already");
    v.node = em_->param(v.name, b.shape, role_of(v.name, u), values);
    values_[v.name] = std::move(v);
  }
}

Model Converter::run() {
  const onnx::GraphProto& g = model_.graph();
  for (const onnx::TensorProto& t : g.initializer()) {
    if (t.name().empty()) fault("an initializer has no name");
    if (!initializers_.emplace(t.name(), &t).second)
      fault("initializer '" + t.name() + "' is given twice");
  }
  std::set<std::string> sources;
  for (const auto& [name, t] : initializers_) sources.insert(name);
  for (const onnx::ValueInfoProto& in : g.input()) sources.insert(in.name());
  read_graph_input();

  graph_ = load_graph(g, sources);
  fold_patterns(graph_, initializers_);
  std::string output = options_.output;
  if (output.empty()) {
    if (graph_.outputs.empty()) fault("the graph has no output");
    if (graph_.outputs.size() > 1) {
      fault("the graph has " + std::to_string(graph_.outputs.size()) + " outputs (" +
            quoted_list(graph_.outputs) + "); choose one");
    }
    output = graph_.outputs[0];
  } else if (std::find(graph_.outputs.begin(), graph_.outputs.end(), output) ==
             graph_.outputs.end()) {
    fault("the graph has no output named '" + output + "'");
  }
  const std::vector<int> live = live_nodes(graph_, output);
  classify_initializers(live);

  for (int i : live) {
    const onnx::NodeProto& n = graph_.nodes[i];
    bool done = n.output_size() > 0;
    for (const std::string& o : n.output()) done = done && values_.count(o);
    if (done) continue;  // an Identity turned into its own parameter
    try {
      convert(n);
    } catch (const UnsupportedOp&) {
      throw;
    } catch (const ImportFault& e) {
      fault(describe(n) + ": " + e.what());
    }
  }

  const auto out = values_.find(output);
  if (out == values_.end()) fault("graph output '" + output + "' is not produced by any node");
  Value& y = out->second;
  if (y.known || !y.pad.empty())
    fault("graph output '" + output + "' does not depend on the input");
  const Shape& s = em_->shape(y.node);
  if (s.size() != 2 || !(y.digit == BatchDigit{0, 1, 1})) {
    fault("graph output '" + output + "' has shape " + to_string(s) + " at batch size " +
          std::to_string(probe_batch(0)) + "; the loss needs [batch, outputs]");
  }
  return em_->finish(y.node, options_.loss);
}

void Converter::convert(const onnx::NodeProto& n) {
  const std::string& domain = n.domain();
  std::string key;
  if (domain.empty() || domain == "ai.onnx") key = n.op_type();
  if (domain == kInternalDomain) key = domain + "." + n.op_type();
  const HandlerTable& table = handler_table();
  const auto h = key.empty() ? table.end() : table.find(key);
  if (h == table.end()) {
    const auto v = opsets_.find(domain == "ai.onnx" ? "" : domain);
    throw UnsupportedOp("node '" + n.name() + "' uses op '" + (key.empty() ? domain + "." : "") +
                        n.op_type() + "' (opset " +
                        std::to_string(v == opsets_.end() ? 0 : v->second) +
                        "), which is not supported; supported: " + supported_onnx_ops());
  }
  const OnnxAttrs a(n);
  node_ = &n;
  attrs_ = &a;
  h->second(*this);
  for (int k = 0; k < n.output_size(); ++k) {
    const std::string& o = n.output(k);
    if (!o.empty() && !values_.count(o) && graph_.use_count(o) > 0) {
      fault("output " + std::to_string(k) + " ('" + o + "') is not produced");
    }
  }
  node_ = nullptr;
  attrs_ = nullptr;
}

Value& Converter::value(const std::string& name) {
  const auto it = values_.find(name);
  if (it == values_.end()) fault("input '" + name + "' has no value");
  return it->second;
}

bool Converter::has_input(int i) const {
  return i < node_->input_size() && !node_->input(i).empty();
}

Value& Converter::input(int i) {
  if (!has_input(i)) fault("input " + std::to_string(i) + " is missing");
  return value(node_->input(i));
}

const StaticTensor& Converter::known_input(int i, const char* what) {
  Value& v = input(i);
  if (!v.known)
    fault(std::string(what) + " ('" + v.name + "') is computed at run time; it must be a constant");
  return v.st;
}

int Converter::engine(Value& v) {
  if (!v.pad.empty())
    fault("'" + v.name + "' carries a Pad's padding, which only Conv and AveragePool can absorb");
  if (v.node >= 0) return v.node;
  if (v.st.batch_dependent())
    fault("reads '" + v.name + "', whose value depends on the batch size, as data");
  v.node = em_->constant(v.name, v.st.tensor());
  return v.node;
}

void Converter::require_unused_output(int i) const {
  if (i < node_->output_size() && !node_->output(i).empty() &&
      graph_.use_count(node_->output(i)) > 0) {
    fault("output " + std::to_string(i) + " ('" + node_->output(i) +
          "') is read, which is not supported");
  }
}

void Converter::set_output(int i, Value v) {
  if (i >= node_->output_size() || node_->output(i).empty()) return;
  v.name = node_->output(i);
  values_[v.name] = std::move(v);
}

void Converter::set_known(int i, StaticTensor t) {
  Value v;
  v.known = true;
  v.st = std::move(t);
  set_output(i, std::move(v));
}

int Converter::emit(OpKind kind, std::vector<int> inputs, Attrs attrs, const std::string& suffix) {
  return em_->op(kind, std::move(inputs), std::move(attrs), node_->name() + suffix);
}

const Shape& Converter::shape_of(const Value& v, int version) const {
  return v.known && v.node < 0 ? v.st.shape : em_->shape(v.node, version);
}

Value Converter::dynamic(int n) {
  const int axis = em_->batch_axis(n);
  if (axis < 0) return dynamic(n, BatchDigit{});
  const int64_t extent = em_->shape(n)[axis];
  for (int i = 0; i < node_->input_size(); ++i) {
    if (!has_input(i)) continue;
    const Value& v = value(node_->input(i));
    if (!v.known && v.digit.axis >= 0 && shape_of(v)[v.digit.axis] == extent) {
      return dynamic(n, BatchDigit{axis, v.digit.outer, v.digit.inner});
    }
  }
  if (extent != probe_batch(0))
    fault("cannot tell where the batch sits in its output " + to_string(em_->shape(n)));
  return dynamic(n, BatchDigit{axis, 1, 1});
}

Value Converter::dynamic(int n, const BatchDigit& digit) {
  const int axis = em_->batch_axis(n);
  if (axis != digit.axis ||
      (axis >= 0 && em_->shape(n, 1)[axis] != digit.outer * probe_batch(1) * digit.inner)) {
    fault("its output " + to_string(em_->shape(n)) +
          " does not keep the batch where the input has it");
  }
  Value v;
  v.node = n;
  v.digit = digit;
  return v;
}

void Converter::reshape_to(Value& x, Shape out0, int j) {
  const Shape& in0 = shape_of(x);
  BatchDigit d;
  std::vector<int64_t> spec(out0.begin(), out0.end());
  if (x.known && x.node < 0) {
    if (j >= 0) fault("moves a batch axis its constant input does not have");
  } else if (x.digit.axis >= 0) {
    const std::optional<BatchDigit> landed = land_batch(in0, x.digit, out0, j, probe_batch(0));
    if (!landed) {
      fault("reshaping " + to_string(in0) + " to " + to_string(out0) +
            " mixes samples of the batch");
    }
    d = *landed;
    spec[j] = -1;
  }
  Attrs a;
  a.set("shape", spec);
  const int y = emit(OpKind::Reshape, {engine(x)}, a);
  Value v = dynamic(y, d);
  v.ids = x.ids;
  set_output(0, std::move(v));
}

}  // namespace hess::onnx_import
