#include "engine/compute_batch.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

#include "engine/memory_estimate.h"
#include "engine/shape.h"

namespace hess {

bool samples_stay_apart(const Graph& graph) {
  const size_t n = graph.nodes.size();
  std::vector<Shape> s2, s3;
  try {
    s2 = infer_shapes(graph, 2);
    s3 = infer_shapes(graph, 3);
  } catch (const std::invalid_argument&) {
    return false;  // a graph whose shapes hold at one batch size only
  }
  std::vector<bool> from_input(n, false);
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph.nodes[i];
    from_input[i] = node.op == OpKind::Input;
    for (int in : node.inputs) from_input[i] = from_input[i] || from_input[in];
    if (!from_input[i] || static_cast<int>(i) == graph.loss) continue;
    const Shape& a = s2[i];
    const Shape& b = s3[i];
    if (a.empty() || a.size() != b.size() || a[0] != 2 || b[0] != 3 ||
        !std::equal(a.begin() + 1, a.end(), b.begin() + 1))
      return false;
    if (node.op == OpKind::Softmax || node.op == OpKind::LogSoftmax ||
        node.op == OpKind::LayerNorm) {
      const int64_t rank = static_cast<int64_t>(s2[node.inputs[0]].size());
      const int64_t axis = node.attrs.get_int("axis", -1);
      if (axis == 0 || axis + rank == 0) return false;
    }
  }
  return true;
}

int64_t compute_batch(const Graph& graph, int64_t batch_size, int64_t scalar_bytes) {
  if (batch_size < kMinComputeBatches || !samples_stay_apart(graph)) return batch_size;
  const int64_t one = context_bytes(graph, 1, 1, scalar_bytes);
  const int64_t two = context_bytes(graph, 2, 1, scalar_bytes);
  const int64_t per_sample = std::max<int64_t>(1, two - one);
  const int64_t fixed = std::max<int64_t>(0, one - per_sample);
  const int64_t aim = std::max(kComputeBatchBytes, 2 * fixed);
  const int64_t m = std::max<int64_t>(1, (aim + per_sample - 1) / per_sample);
  return m * kMinComputeBatches <= batch_size ? m : batch_size;
}

}  // namespace hess
