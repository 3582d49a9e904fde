#include "engine/memory_estimate.h"

#include <limits>

#include "engine/graph_rewrite.h"
#include "engine/op_registry.h"
#include "engine/ops/conv.h"
#include "engine/ops/window.h"
#include "engine/shape.h"

namespace hess {

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
// The margin is 1/kMarginDivisor of the modelled bytes.
constexpr int64_t kMarginDivisor = 4;

int64_t mul(int64_t a, int64_t b) {
  if (a == 0 || b == 0) return 0;
  return a > kMax / b ? kMax : a * b;
}

int64_t add(int64_t a, int64_t b) {
  return a > kMax - b ? kMax : a + b;
}

}  // namespace

int64_t context_bytes(const Graph& model_graph, int64_t batch, int k, int64_t scalar_bytes) {
  const Graph graph = evaluation_graph(model_graph);  // what a context runs
  const std::vector<Shape> shapes = infer_shapes(graph, batch);
  // value and adjoint, then k tangent and k adjoint-tangent columns
  const int64_t copies = add(2, mul(2, k));
  int64_t elements = 0, values = 0;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    int64_t e = 1;
    for (int64_t d : shapes[i]) e = mul(e, d);
    elements = add(elements, mul(e, copies));
    values = add(values, e);
    if (n.op == OpKind::Conv2d && n.inputs.size() >= 2 && shapes[i].size() == 4 &&
        shapes[n.inputs[0]].size() == 4 && shapes[n.inputs[1]].size() == 4) {
      const Shape& w = shapes[n.inputs[1]];
      const int64_t work = conv2d_work_elements(conv_window(n, w[2], w[3]), shapes[n.inputs[0]], w,
                                                n.attrs.get_int("groups", 1));
      elements = add(elements, work);
      values = add(values, work);
    }
  }
  // Op caches and scratch not modelled node by node (pooling's argmax indices, GEMM operands in
  // another layout): a margin, checked against real allocations in tests/memory_estimate_test.
  // A float context of a graph with gates also runs curvature value passes in double
  // (engine/autodiff.h): every value and the convolutions' work once more, in doubles.
  int64_t modelled = mul(elements, scalar_bytes);
  if (scalar_bytes == static_cast<int64_t>(sizeof(float)) && has_gated_ops(graph))
    modelled = add(modelled, mul(values, sizeof(double)));
  return add(modelled, modelled / kMarginDivisor);
}

}  // namespace hess
