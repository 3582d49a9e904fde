#include "io/model_file.h"

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/isolated_read.h"

namespace hess {

namespace {

// One sample may hold at most this many elements (a hostile input_shape must not overflow).
constexpr int64_t kMaxSampleElements = int64_t{1} << 32;

h5::Value to_value(const AttrValue& v) {
  return std::visit([](const auto& x) -> h5::Value { return x; }, v);
}

// An HDF5 attribute as an op attribute or metadata value; nothing for real and string lists.
std::optional<AttrValue> to_attr_value(const h5::Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* r = std::get_if<double>(&v)) return *r;
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* l = std::get_if<std::vector<int64_t>>(&v)) return *l;
  return std::nullopt;
}

std::string node_group_name(size_t index, size_t count) {
  std::string digits = std::to_string(index);
  const size_t width = std::max<size_t>(5, std::to_string(count > 0 ? count - 1 : 0).size());
  return std::string(width - std::min(width, digits.size()), '0') + digits;
}

// Names of the constants: the name of the first constant node reading each, else "constant_<c>".
std::vector<std::string> constant_names(const Graph& g) {
  std::vector<std::string> names(g.constants.size());
  for (const Node& n : g.nodes) {
    if (n.op == OpKind::Constant && names.at(n.constant).empty()) names[n.constant] = n.name;
  }
  std::set<std::string> used(names.begin(), names.end());
  for (size_t c = 0; c < names.size(); ++c) {
    if (!names[c].empty()) continue;
    std::string name = "constant_" + std::to_string(c);
    while (used.count(name)) name += "_";
    used.insert(name);
    names[c] = name;
  }
  return names;
}

}  // namespace

std::string hdf5_link_name(const std::string& name) {
  std::string out;
  for (char c : name) {
    if (c == '%') {
      out += "%25";
    } else if (c == '/') {
      out += "%2F";
    } else {
      out += c;
    }
  }
  if (out.empty() || out == ".") out = "%" + out;
  return out;
}

void write_model_group(h5::Group& g, const Model& model, const Attrs& metadata) {
  const Graph& graph = model.graph;
  graph.validate();
  if (static_cast<int64_t>(model.theta.size()) != graph.num_params()) {
    throw std::invalid_argument("model has " + std::to_string(model.theta.size()) +
                                " parameter values, its graph " +
                                std::to_string(graph.num_params()));
  }
  g.set_attr("format", kModelFormat);
  g.set_attr("version", kModelFormatVersion);
  g.set_attr("engine_version", HESS_VERSION);

  h5::Group gg = g.create_group("graph");
  gg.set_attr("input_shape", graph.input_shape);
  gg.set_attr("label_kind", std::string(name_of(graph.label_kind)));
  gg.set_attr("target_dim", graph.target_dim);
  gg.set_attr("input", graph.input);
  gg.set_attr("label", graph.label);
  gg.set_attr("output", graph.output);
  gg.set_attr("loss", graph.loss);
  gg.set_attr("loss_op", std::string(name_of(graph.nodes[graph.loss].op)));

  const std::vector<std::string> cnames = constant_names(graph);
  h5::Group nodes = gg.create_group("nodes");
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    h5::Group ng = nodes.create_group(node_group_name(i, graph.nodes.size()));
    ng.set_attr("name", n.name);
    ng.set_attr("op", std::string(name_of(n.op)));
    ng.set_attr("inputs", std::vector<int64_t>(n.inputs.begin(), n.inputs.end()));
    if (n.op == OpKind::Param) {
      ng.set_attr("block", graph.blocks[n.block].name);
      ng.set_attr("shape", graph.blocks[n.block].shape);
    }
    if (n.op == OpKind::Constant) {
      ng.set_attr("constant", cnames[n.constant]);
      ng.set_attr("shape", graph.constants[n.constant].shape());
    }
    if (!n.attrs.all().empty()) {
      h5::Group ag = ng.create_group("attrs");
      for (const auto& [key, value] : n.attrs.all()) ag.set_attr(key, to_value(value));
    }
  }

  h5::Group params = g.create_group("parameters");
  std::vector<std::string> order;
  for (const Block& b : graph.blocks) {
    order.push_back(b.name);
    h5::Dataset d = params.create_dataset<double>(hdf5_link_name(b.name), b.shape,
                                                  model.theta.data() + b.offset);
    d.set_attr("role", std::string(name_of(b.role)));
  }
  params.set_attr("order", order);

  h5::Group consts = g.create_group("constants");
  for (size_t c = 0; c < graph.constants.size(); ++c) {
    consts.create_dataset<double>(hdf5_link_name(cnames[c]), graph.constants[c].shape(),
                                  graph.constants[c].data());
  }
  consts.set_attr("order", cnames);

  h5::Group meta = g.create_group("metadata");
  for (const auto& [key, value] : metadata.all()) meta.set_attr(key, to_value(value));
}

void write_model(const std::string& path, const Model& model, const Attrs& metadata) {
  AtomicOutput out(path, OutputKind::hdf5_file(kModelFormat));
  {
    h5::File f = h5::File::create(out.partial_path());
    write_model_group(f, model, metadata);
    f.close();
  }
  out.commit();
}

namespace {

// Reads one model group; every error goes through fail() and names the group when it is not the
// file's root.
class ModelReader {
 public:
  explicit ModelReader(const h5::Group& root)
      : root_(root), where_(root.path() == "/" ? std::string() : root.path() + ": ") {}

  ModelFile read();

 private:
  [[noreturn]] void fail(const std::string& what) const { root_.fail(where_ + what); }
  void check_format() const;
  void read_graph_attrs(const h5::Group& gg);
  void read_nodes(const h5::Group& gg);
  void read_node(const h5::Group& ng, Node& n);
  // A dataset of /parameters or /constants with the shape the graph's nodes expect of it.
  struct StoredTensor {
    std::string name;
    Shape shape;
    int readers = 0;  // nodes reading it
    std::unique_ptr<h5::Dataset> dataset;
    std::vector<double> values;
  };
  // The tensors of `group` in its `order`, checked against the nodes of `kind` reading them (whose
  // block or constant index is set); `what` names them in messages ("parameter", "constant").
  std::vector<StoredTensor> read_tensors(const h5::Group& group, OpKind kind,
                                         const std::string& what);
  void read_blocks();
  void read_constants();
  int to_id(int64_t v, const std::string& what) const;

  const h5::Group& root_;
  std::string where_;
  ModelFile out_;
  // Per node: the block or constant name it reads and the shape the graph expects.
  std::vector<std::string> ref_name_;
  std::vector<Shape> ref_shape_;
};

void ModelReader::check_format() const {
  if (!root_.has_attr("format")) {
    fail("not a model file (no 'format' attribute; expected \"" + std::string(kModelFormat) +
         "\")");
  }
  const std::string format = root_.string_attr("format");
  if (format != kModelFormat) {
    fail("is a '" + format + "' file, not a model file (format \"" + std::string(kModelFormat) +
         "\")");
  }
  const int64_t version = root_.int_attr("version");
  if (version != kModelFormatVersion) {
    fail("unknown model format version " + std::to_string(version) + " (this engine reads " +
         std::to_string(kModelFormatVersion) + ")");
  }
}

int ModelReader::to_id(int64_t v, const std::string& what) const {
  if (v < -1 || v > std::numeric_limits<int>::max())
    fail(what + " " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}

void ModelReader::read_graph_attrs(const h5::Group& gg) {
  Graph& g = out_.model.graph;
  g.input_shape = gg.ints_attr("input_shape");
  int64_t elements = 1;
  for (int64_t e : g.input_shape) {
    if (e <= 0 || e > kMaxSampleElements || elements > kMaxSampleElements / e) {
      fail("/graph input_shape " + to_string(g.input_shape) + " is not a valid sample shape");
    }
    elements *= e;
  }
  const std::string kind = gg.string_attr("label_kind");
  try {
    g.label_kind = parse_enum<LabelKind>(kind);
  } catch (const std::invalid_argument&) {
    fail("/graph label_kind '" + echoed(kind) + "' is neither 'class' nor 'target'");
  }
  g.target_dim = gg.int_attr("target_dim");
  if (g.target_dim < 0) fail("/graph target_dim " + std::to_string(g.target_dim) + " is negative");
  g.input = to_id(gg.int_attr("input"), "/graph input id");
  g.label = to_id(gg.int_attr("label"), "/graph label id");
  g.output = to_id(gg.int_attr("output"), "/graph output id");
  g.loss = to_id(gg.int_attr("loss"), "/graph loss id");
}

void ModelReader::read_node(const h5::Group& ng, Node& n) {
  n.name = ng.string_attr("name");
  const std::string op = ng.string_attr("op");
  try {
    n.op = parse_enum<OpKind>(op);
  } catch (const std::invalid_argument&) {
    fail("node '" + n.name + "' has the unknown op '" + op + "'");
  }
  for (int64_t in : ng.ints_attr("inputs"))
    n.inputs.push_back(to_id(in, "node '" + n.name + "' input"));
  std::string ref;
  Shape shape;
  if (n.op == OpKind::Param || n.op == OpKind::Constant) {
    ref = ng.string_attr(n.op == OpKind::Param ? "block" : "constant");
    shape = ng.ints_attr("shape");
  }
  ref_name_.push_back(ref);
  ref_shape_.push_back(shape);
  if (!ng.has_group("attrs")) return;
  const h5::Group ag = ng.group("attrs");
  for (const std::string& key : ag.attr_names()) {
    const h5::Value v = ag.attr(key);
    if (std::optional<AttrValue> a = to_attr_value(v)) {
      n.attrs.set(key, std::move(*a));
    } else {
      fail("node '" + n.name + "' attribute '" + key + "' is a " + h5::value_type_name(v) +
           "; op attributes are integers, reals, integer lists or strings");
    }
  }
}

void ModelReader::read_nodes(const h5::Group& gg) {
  const h5::Group nodes = gg.group("nodes");
  const std::vector<std::string> names = nodes.children();
  std::map<size_t, std::string> by_index;
  for (const std::string& name : names) {
    const bool digits = !name.empty() && name.size() <= 9 &&
                        name.find_first_not_of("0123456789") == std::string::npos;
    if (!digits) fail("/graph/nodes/" + name + " is not named by a node index");
    by_index[std::stoul(name)] = name;
  }
  if (!by_index.empty() && by_index.rbegin()->first != by_index.size() - 1) {
    fail("/graph/nodes does not hold the nodes 0.." + std::to_string(by_index.size() - 1) +
         " (some are missing)");
  }
  Graph& g = out_.model.graph;
  g.nodes.resize(by_index.size());
  for (const auto& [index, name] : by_index) read_node(nodes.group(name), g.nodes[index]);
}

std::vector<ModelReader::StoredTensor> ModelReader::read_tensors(const h5::Group& group,
                                                                 OpKind kind,
                                                                 const std::string& what) {
  Graph& g = out_.model.graph;
  const std::vector<std::string> order = group.strings_attr("order");
  std::vector<StoredTensor> tensors(order.size());
  std::map<std::string, int> index;
  std::set<std::string> links;
  for (size_t t = 0; t < order.size(); ++t) {
    if (!index.emplace(order[t], static_cast<int>(t)).second) {
      fail(group.path() + " lists the " + what + " '" + order[t] + "' twice");
    }
    tensors[t].name = order[t];
    links.insert(hdf5_link_name(order[t]));
  }
  for (const std::string& link : group.children()) {
    if (!links.count(link))
      fail(group.path() + "/" + link + " is not listed in " + group.path() + " order");
  }
  // The shapes come from the graph's nodes; the datasets must match them.
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    Node& n = g.nodes[i];
    if (n.op != kind) continue;
    auto it = index.find(ref_name_[i]);
    if (it == index.end()) {
      fail("node '" + n.name + "' reads the " + what + " '" + ref_name_[i] + "', which " +
           group.path() + " does not hold");
    }
    StoredTensor& t = tensors[it->second];
    if (t.readers++ > 0 && t.shape != ref_shape_[i])
      fail(what + " '" + t.name + "' is read with two shapes");
    t.shape = ref_shape_[i];
    (kind == OpKind::Param ? n.block : n.constant) = it->second;
  }
  for (StoredTensor& t : tensors) {
    if (t.readers == 0) fail(what + " '" + t.name + "' is not read by any node of the graph");
    t.dataset = std::make_unique<h5::Dataset>(group.dataset(hdf5_link_name(t.name)));
    const Shape actual = t.dataset->shape();
    if (actual != t.shape) {
      fail(what + " '" + t.name + "' has shape " + to_string(actual) + ", the graph expects " +
           to_string(t.shape));
    }
    const h5::DType dt = t.dataset->dtype();
    if (dt.cls != h5::DType::Float) {
      fail(what + " '" + t.name + "' has dtype " + dt.name() + ", expected float64");
    }
    t.values = t.dataset->read<double>();
    for (size_t i = 0; i < t.values.size(); ++i) {
      if (!std::isfinite(t.values[i])) {
        fail(what + " '" + t.name + "' holds " + (std::isnan(t.values[i]) ? "NaN" : "Inf") +
             " at index " + std::to_string(i));
      }
    }
  }
  return tensors;
}

void ModelReader::read_blocks() {
  Graph& g = out_.model.graph;
  int64_t offset = 0;
  for (StoredTensor& t : read_tensors(root_.group("parameters"), OpKind::Param, "parameter")) {
    if (t.readers != 1)
      fail("parameter '" + t.name + "' is read by " + std::to_string(t.readers) + " param nodes");
    Block blk;
    blk.name = t.name;
    blk.shape = t.shape;
    try {
      blk.role = parse_enum<BlockRole>(t.dataset->string_attr("role"));
    } catch (const std::invalid_argument& e) {
      fail("parameter '" + t.name + "': " + e.what());
    }
    blk.offset = offset;
    offset += static_cast<int64_t>(t.values.size());
    out_.model.theta.insert(out_.model.theta.end(), t.values.begin(), t.values.end());
    g.blocks.push_back(blk);
  }
}

void ModelReader::read_constants() {
  Graph& g = out_.model.graph;
  bool any = false;
  for (const Node& n : g.nodes) any = any || n.op == OpKind::Constant;
  if (!any && !root_.has("constants")) return;
  for (StoredTensor& t : read_tensors(root_.group("constants"), OpKind::Constant, "constant")) {
    g.constants.emplace_back(t.shape, std::move(t.values));
  }
}

ModelFile ModelReader::read() {
  check_format();
  const h5::Group gg = root_.group("graph");
  read_graph_attrs(gg);
  read_nodes(gg);
  read_blocks();
  read_constants();
  try {
    out_.model.graph.validate();
  } catch (const std::exception& e) {
    fail(std::string("invalid graph: ") + e.what());
  }
  const std::string loss_op = gg.string_attr("loss_op");
  const Graph& g = out_.model.graph;
  if (loss_op != name_of(g.nodes[g.loss].op)) {
    fail("/graph loss_op '" + loss_op + "' is not the op of the loss node ('" +
         std::string(name_of(g.nodes[g.loss].op)) + "')");
  }
  if (root_.has("metadata")) {
    const h5::Group meta = root_.group("metadata");
    // Real and string lists (which Attrs cannot hold) are skipped.
    for (const std::string& key : meta.attr_names()) {
      if (std::optional<AttrValue> a = to_attr_value(meta.attr(key)))
        out_.metadata.set(key, std::move(*a));
    }
  }
  return std::move(out_);
}

}  // namespace

ModelFile read_model_group(const h5::Group& g) {
  return ModelReader(g).read();
}

ModelFile read_model_file(const std::string& path, const std::string& group) {
  const std::string image = run_isolated(
      path,
      [&] {
        const h5::File f = h5::File::open_read(path);
        const ModelFile m =
            group == "/" ? read_model_group(f) : read_model_group(f.group(group.substr(1)));
        h5::File out = h5::File::create_image(path);
        write_model_group(out, m.model, m.metadata);
        return out.image();
      },
      isolation_time_limit(path));
  return read_model_group(h5::File::open_image(image, path));
}

Model read_model(const std::string& path) {
  return read_model_file(path).model;
}

}  // namespace hess
