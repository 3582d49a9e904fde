#pragma once
// The computation graph of a model: nodes in topological order over named parameter blocks.
//
// θ, the model's parameters, is one flat vector. A Block is a named slice of θ with a shape and a
// role; names follow PyTorch's state_dict keys ("layer1.0.conv1.weight") so users recognise them. A
// Param node reads one block; an Input node the batch X; a Label node the labels; every other node
// applies an op (engine/op_kind.h) to earlier nodes. The graph ends in a loss node whose value is
// the *sum* over the batch of per-sample losses; the objective divides by N (engine/objective.h).
//
//   Graph g = ...;  // from GraphBuilder, an arch spec or a model file
//   g.validate();   // throws std::invalid_argument naming the fault
//   std::vector<Shape> s = infer_shapes(g, 32);  // every node's shape for a batch of 32

#include <cstdint>
#include <string>
#include <vector>

#include "engine/attrs.h"
#include "engine/enum_names.h"
#include "engine/op_kind.h"
#include "engine/shape.h"
#include "engine/tensor.h"

namespace hess {

enum class BlockRole : uint8_t { Weight, Bias, Norm, Embedding, Other };
template <>
struct EnumNames<BlockRole> {
  static constexpr std::string_view what = "block role";
  static constexpr std::string_view names[] = {"weight", "bias", "norm", "embedding", "other"};
};

struct Block {
  std::string name;  // state_dict key
  Shape shape;       // natural shape, e.g. [out, in] for a linear weight
  BlockRole role = BlockRole::Weight;
  int64_t offset = 0;  // first index in θ
  int64_t size() const { return numel(shape); }
};

struct Node {
  std::string name;
  OpKind op = OpKind::Input;
  std::vector<int> inputs;  // ids of earlier nodes
  Attrs attrs;
  int block = -1;     // Param: index into Graph::blocks
  int constant = -1;  // Constant: index into Graph::constants
};

// What the Label node holds.
enum class LabelKind : uint8_t { Class, Target };
template <>
struct EnumNames<LabelKind> {
  static constexpr std::string_view what = "label kind";
  static constexpr std::string_view names[] = {"class", "target"};
};

struct Graph {
  std::vector<Node> nodes;
  std::vector<Block> blocks;
  std::vector<Tensor<double>> constants;
  Shape input_shape;  // one sample's shape (X is [N, input_shape...])
  LabelKind label_kind = LabelKind::Class;
  int64_t target_dim = 0;  // LabelKind::Target: targets per sample
  int input = -1;          // node ids
  int label = -1;
  int output = -1;  // the network's output (logits): what JVP and accuracy read
  int loss = -1;

  int64_t num_params() const;
  // Index of the block with this name, or -1.
  int find_block(const std::string& name) const;
  // Index of the node with this name, or -1.
  int find_node(const std::string& name) const;
  // Checks structure (order, arity, ids, names, blocks) and shapes; throws std::invalid_argument
  // with the offending node or block named.
  void validate() const;
};

// Shapes of every node for a batch of `batch` samples; throws std::invalid_argument naming the node
// whose inputs do not fit.
std::vector<Shape> infer_shapes(const Graph& g, int64_t batch);

// A graph with its parameter values: what model files hold.
struct Model {
  Graph graph;
  std::vector<double> theta;
};

}  // namespace hess
