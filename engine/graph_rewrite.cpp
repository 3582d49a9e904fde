#include "engine/graph_rewrite.h"

#include <utility>

namespace hess {

Graph evaluation_graph(const Graph& g) {
  Graph r = g;
  std::vector<int> uses(r.nodes.size(), 0);
  for (const Node& n : r.nodes) {
    for (int in : n.inputs) ++uses[in];
  }
  for (size_t p = 0; p < r.nodes.size(); ++p) {
    Node& pool = r.nodes[p];
    if (pool.op != OpKind::MaxPool2d) continue;
    const int a = pool.inputs[0];
    Node& relu = r.nodes[a];
    if (relu.op != OpKind::Relu || uses[a] != 1 || a == r.output || a == r.loss) continue;
    // Node a becomes the pooling of relu's input, node p the ReLU of node a: p's consumers now
    // read the same values as before, and the order stays topological.
    const int x = relu.inputs[0];
    std::swap(relu, pool);
    r.nodes[a].inputs = {x};
    r.nodes[p].inputs = {a};
  }
  return r;
}

}  // namespace hess
