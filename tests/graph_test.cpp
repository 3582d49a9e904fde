// engine/graph: Graph::validate refuses every structural fault with a message naming the node or
// block at fault, and infer_shapes names the node whose inputs do not fit.
#include <doctest/doctest.h>

#include <string>

#include "engine/arch.h"
#include "engine/graph_builder.h"

using namespace hess;

namespace {

// input -> fc1 (linear) -> tanh -> fc2 (linear) -> label, loss: a valid graph to break.
Graph valid_graph() {
  ArchOptions o;
  o.seed = 1;
  return build_arch("mlp:4-5-3:tanh", o).graph;
}

int node(const Graph& g, const std::string& name) {
  const int i = g.find_node(name);
  REQUIRE(i >= 0);
  return i;
}

// validate() throws std::invalid_argument whose message contains `what`.
void refuses(const Graph& g, const std::string& what) {
  CHECK_THROWS_WITH_AS(g.validate(), doctest::Contains(what.c_str()), std::invalid_argument);
}

}  // namespace

TEST_CASE("a valid graph passes and its shapes are inferred") {
  const Graph g = valid_graph();
  CHECK_NOTHROW(g.validate());
  const std::vector<Shape> s = infer_shapes(g, 6);
  CHECK(s[g.input] == Shape{6, 4});
  CHECK(s[node(g, "fc1")] == Shape{6, 5});
  CHECK(s[g.output] == Shape{6, 3});
  CHECK(s[g.label] == Shape{6});
  CHECK(s[g.loss] == Shape{});
  CHECK(g.num_params() == 4 * 5 + 5 + 5 * 3 + 3);
}

TEST_CASE("bad input ids and non-topological order") {
  Graph g = valid_graph();
  g.nodes[node(g, "fc2")].inputs[0] = 99;
  refuses(g, "node 'fc2' (linear): input 99 is not an earlier node");
  g = valid_graph();
  g.nodes[node(g, "fc1")].inputs[0] = -1;
  refuses(g, "node 'fc1' (linear): input -1 is not an earlier node");
  g = valid_graph();
  const int fc1 = node(g, "fc1");
  g.nodes[fc1].inputs[0] = fc1;  // a self-loop: a cycle
  refuses(g, "node 'fc1' (linear): input " + std::to_string(fc1) +
                 " is not an earlier node (the graph must be in topological order)");
  g = valid_graph();
  g.nodes[fc1].inputs[0] = node(g, "fc2");  // a later node: a cycle fc1 -> … -> fc2 -> fc1
  refuses(g, "node 'fc1' (linear)");
  refuses(g, "topological order");
}

TEST_CASE("wrong arity") {
  Graph g = valid_graph();
  g.nodes[node(g, "fc1")].inputs.resize(1);
  refuses(g, "node 'fc1' (linear): takes 2 to 3 inputs, got 1");
  g = valid_graph();
  const int tanh = g.nodes[node(g, "fc2")].inputs[0];
  g.nodes[tanh].inputs.push_back(0);
  refuses(g, "node '" + g.nodes[tanh].name + "' (tanh): takes 1 inputs, got 2");
  g = valid_graph();
  g.nodes[g.input].inputs.push_back(0);
  refuses(g, "node 'input' (input)");
}

TEST_CASE("duplicate and missing names") {
  Graph g = valid_graph();
  g.nodes[node(g, "fc2")].name = "fc1";
  refuses(g, "node 'fc1' (linear): name used by another node");
  g = valid_graph();
  g.nodes[node(g, "fc2")].name.clear();
  refuses(g, "has no name");
  g = valid_graph();
  g.blocks[1].name = g.blocks[0].name;
  refuses(g, "parameter block '" + g.blocks[0].name + "' is named twice");
}

TEST_CASE("parameter blocks: offsets, use, shapes") {
  Graph g = valid_graph();
  g.blocks[1].offset += 1;
  refuses(g, "parameter block 'fc1.bias' does not start where the previous block ends");
  g = valid_graph();
  Block unused;
  unused.name = "spare";
  unused.shape = {2};
  unused.offset = g.num_params();
  g.blocks.push_back(unused);
  refuses(g, "parameter block 'spare' must be read by exactly one param node");
  g = valid_graph();
  g.nodes[node(g, "fc1.bias")].block = 0;  // fc1.weight read twice, fc1.bias never
  refuses(g, "parameter block 'fc1.weight' must be read by exactly one param node");
  g = valid_graph();
  g.nodes[node(g, "fc1.bias")].block = 7;
  refuses(g, "node 'fc1.bias' (param): no such parameter block");
  g = valid_graph();
  g.blocks[3].shape = {0};
  refuses(g, "parameter block 'fc2.bias' has shape [0]");
}

TEST_CASE("input, label, output and loss") {
  Graph g = valid_graph();
  g.loss = -1;
  refuses(g, "graph has no loss node");
  g = valid_graph();
  g.loss = node(g, "fc2");
  refuses(g, "node 'fc2' (linear): the loss node must be cross_entropy or mse");
  g = valid_graph();
  g.output = static_cast<int>(g.nodes.size());
  refuses(g, "graph has no output node");
  g = valid_graph();
  g.input = -1;
  refuses(g, "node 'input' (input): graph's input id does not point at the input node");
  g = valid_graph();
  g.label = node(g, "fc2");
  refuses(g, "node 'label' (label): graph's label id does not point at the label node");
  g = valid_graph();
  g.nodes.clear();
  refuses(g, "graph has no nodes");
}

TEST_CASE("op-specific structure: running statistics and embedding ids") {
  GraphBuilder b({3, 4});
  const int bn = b.batch_norm(b.input(), 3, "bn");
  const int y = b.linear(b.flatten(bn), 12, 2, "fc");
  Model m = b.finish(y, LossKind::CrossEntropy, 1);
  Graph g = m.graph;
  CHECK_NOTHROW(g.validate());
  // Running mean replaced by the bias parameter (a θ-dependent input).
  g.nodes[node(g, "bn")].inputs[3] = node(g, "bn.bias");
  refuses(g, "node 'bn' (batch_norm): running statistics (inputs 4 and 5) must be constants");

  GraphBuilder e({2});
  const int w = e.param("scale", {2}, BlockRole::Other, Init::constant(1.0));
  const int ids = e.op(OpKind::Mul, {e.input(), w}, {}, "ids");
  const int emb = e.embedding(ids, 5, 3, "emb");
  Attrs flat;
  flat.set("axis", int64_t{1});
  CHECK_THROWS_WITH_AS(
      e.finish(e.op(OpKind::Flatten, {emb}, flat), LossKind::CrossEntropy, 1),
      doctest::Contains("node 'emb' (embedding): ids (input 1) depend on the parameters"),
      std::invalid_argument);
}

TEST_CASE("infer_shapes names the node whose inputs do not fit") {
  Graph g = valid_graph();
  g.blocks[2].shape = {3, 4};  // fc2.weight expects 5 features
  g.blocks[3].offset = g.blocks[2].offset + 12;
  CHECK_THROWS_WITH_AS(
      infer_shapes(g, 2),
      doctest::Contains("node 'fc2' (linear): input [2, 5] does not have 4 features"),
      std::invalid_argument);
  refuses(g, "node 'fc2' (linear)");
  g = valid_graph();
  g.input_shape = {7};
  CHECK_THROWS_WITH_AS(infer_shapes(g, 3), doctest::Contains("node 'fc1' (linear): input [3, 7]"),
                       std::invalid_argument);
  g.input_shape = {0};
  refuses(g, "input shape [0] has a non-positive extent");
}
