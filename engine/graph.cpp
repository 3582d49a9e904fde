#include "engine/graph.h"

#include <set>
#include <stdexcept>

#include "engine/op_registry.h"
#include "engine/shown_name.h"

namespace hess {

namespace {

bool is_source(OpKind k) {
  return k == OpKind::Input || k == OpKind::Label || k == OpKind::Param || k == OpKind::Constant;
}

std::string where(const Node& n) {
  return "node '" + shown_name(n.name) + "' (" + std::string(name_of(n.op)) + ")";
}

void fail(const Node& n, const std::string& what) {
  throw std::invalid_argument(where(n) + ": " + what);
}
}  // namespace

int64_t Graph::num_params() const {
  int64_t n = 0;
  for (const Block& b : blocks) n += b.size();
  return n;
}

int Graph::find_block(const std::string& name) const {
  for (size_t i = 0; i < blocks.size(); ++i) {
    if (blocks[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

int Graph::find_node(const std::string& name) const {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

void Graph::validate() const {
  if (nodes.empty()) throw std::invalid_argument("graph has no nodes");
  std::set<std::string> names;
  std::vector<int> block_uses(blocks.size(), 0);
  std::vector<bool> depends_on_theta(nodes.size(), false);
  int inputs = 0, labels = 0;
  const int n_nodes = static_cast<int>(nodes.size());
  for (int i = 0; i < n_nodes; ++i) {
    const Node& n = nodes[i];
    if (n.name.empty()) throw std::invalid_argument("node " + std::to_string(i) + " has no name");
    if (!names.insert(n.name).second) fail(n, "name used by another node");
    if (static_cast<int>(n.op) >= kOpKindCount) fail(n, "unknown op");
    const OpInfo& info = op_info(n.op);
    for (int in : n.inputs) {
      if (in < 0 || in >= i) {
        fail(n, "input " + std::to_string(in) +
                    " is not an earlier node (the graph must be in topological order)");
      }
    }
    depends_on_theta[i] = n.op == OpKind::Param;
    for (int in : n.inputs) depends_on_theta[i] = depends_on_theta[i] || depends_on_theta[in];
    if (is_source(n.op)) {
      if (!n.inputs.empty()) fail(n, "a source node takes no inputs");
    } else {
      if (!info.infer) fail(n, "op is not implemented in this build");
      const int a = static_cast<int>(n.inputs.size());
      if (a < info.min_arity || a > info.max_arity) {
        fail(n,
             "takes " + std::to_string(info.min_arity) +
                 (info.min_arity == info.max_arity ? "" : " to " + std::to_string(info.max_arity)) +
                 " inputs, got " + std::to_string(a));
      }
    }
    switch (n.op) {
      case OpKind::Input:
        ++inputs;
        if (i != input) fail(n, "graph's input id does not point at the input node");
        break;
      case OpKind::Label:
        ++labels;
        if (i != label) fail(n, "graph's label id does not point at the label node");
        break;
      case OpKind::Param:
        if (n.block < 0 || n.block >= static_cast<int>(blocks.size()))
          fail(n, "no such parameter block");
        ++block_uses[n.block];
        break;
      case OpKind::Constant:
        if (n.constant < 0 || n.constant >= static_cast<int>(constants.size()))
          fail(n, "no such constant");
        break;
      case OpKind::BatchNorm:
        for (int j = 3; j < static_cast<int>(n.inputs.size()); ++j) {
          if (nodes[n.inputs[j]].op != OpKind::Constant) {
            fail(n, "running statistics (inputs 4 and 5) must be constants");
          }
        }
        break;
      case OpKind::Embedding:
        if (!n.inputs.empty() && depends_on_theta[n.inputs[0]]) {
          fail(
              n,
              "ids (input 1) depend on the parameters; they must come from the data or a constant");
        }
        break;
      default:
        break;
    }
  }
  if (inputs != 1 || input < 0)
    throw std::invalid_argument("graph must have exactly one input node");
  if (labels > 1) throw std::invalid_argument("graph has more than one label node");
  if (loss < 0 || loss >= n_nodes) throw std::invalid_argument("graph has no loss node");
  if (nodes[loss].op != OpKind::CrossEntropy && nodes[loss].op != OpKind::Mse) {
    fail(nodes[loss], "the loss node must be cross_entropy or mse");
  }
  if (output < 0 || output >= n_nodes) throw std::invalid_argument("graph has no output node");
  if (label < 0) throw std::invalid_argument("graph has no label node");

  int64_t offset = 0;
  std::set<std::string> block_names;
  for (size_t b = 0; b < blocks.size(); ++b) {
    const Block& blk = blocks[b];
    const std::string what = "parameter block '" + blk.name + "'";
    if (blk.name.empty())
      throw std::invalid_argument("parameter block " + std::to_string(b) + " has no name");
    if (!block_names.insert(blk.name).second) throw std::invalid_argument(what + " is named twice");
    for (int64_t d : blk.shape) {
      if (d <= 0) throw std::invalid_argument(what + " has shape " + to_string(blk.shape));
    }
    if (blk.offset != offset)
      throw std::invalid_argument(what + " does not start where the previous block ends");
    if (block_uses[b] != 1)
      throw std::invalid_argument(what + " must be read by exactly one param node");
    offset += blk.size();
  }
  for (int64_t d : input_shape) {
    if (d <= 0)
      throw std::invalid_argument("input shape " + to_string(input_shape) +
                                  " has a non-positive extent");
  }
  infer_shapes(*this, 2);
}

std::vector<Shape> infer_shapes(const Graph& g, int64_t batch) {
  std::vector<Shape> shapes(g.nodes.size());
  std::vector<Shape> in;
  for (size_t i = 0; i < g.nodes.size(); ++i) {
    const Node& n = g.nodes[i];
    switch (n.op) {
      case OpKind::Input:
        shapes[i] = Shape{batch};
        shapes[i].insert(shapes[i].end(), g.input_shape.begin(), g.input_shape.end());
        break;
      case OpKind::Label:
        shapes[i] = g.label_kind == LabelKind::Class ? Shape{batch} : Shape{batch, g.target_dim};
        break;
      case OpKind::Param:
        shapes[i] = g.blocks.at(n.block).shape;
        break;
      case OpKind::Constant:
        shapes[i] = g.constants.at(n.constant).shape();
        break;
      default: {
        in.clear();
        for (int j : n.inputs) in.push_back(shapes.at(j));
        const OpInfo& info = op_info(n.op);
        if (!info.infer) fail(n, "op is not implemented in this build");
        try {
          shapes[i] = info.infer(n, in);
        } catch (const std::invalid_argument& e) {
          std::string msg = e.what();
          if (msg.rfind("node '", 0) == 0) throw;
          fail(n, msg);
        }
      }
    }
  }
  return shapes;
}

}  // namespace hess
