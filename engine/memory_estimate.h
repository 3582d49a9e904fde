#pragma once
// What an evaluation context (engine/autodiff.h) holds for one batch, from the graph's shapes: for
// every node its value and adjoint, k tangent and k adjoint-tangent columns, and the op caches of
// convolutions (im2col taps); for every parameter block its slots likewise; for a float context
// of a graph with gates (relu, max-pooling) also the double value pass of its curvature products.
// The runs layer sums this over threads, compares it with the memory the machine has and refuses
// (or shrinks a block size) before anything is allocated (runs/resources.h).
//
//   int64_t b = hess::context_bytes(graph, 256, 16, sizeof(float));

#include <cstdint>

#include "engine/graph.h"

namespace hess {

// Bytes of one context's buffers for a batch of `batch` samples and `k` direction columns, with
// scalars of `scalar_bytes`. Saturates at INT64_MAX instead of overflowing.
int64_t context_bytes(const Graph& graph, int64_t batch, int k, int64_t scalar_bytes);

}  // namespace hess
