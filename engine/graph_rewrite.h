#pragma once
// Rewrites of a graph that change no value and no derivative but make evaluation cheaper. The
// evaluation context runs the rewritten graph; model files, shapes of the graph's output and loss,
// and the parameter blocks stay as the user's graph has them.
//
// ReLU before max-pooling: max_pool(relu(x)) = relu(max_pool(x)), since relu is non-decreasing and
// max-pooling picks an element of each window. Swapping them runs the ReLU (its value, tangent,
// adjoint and adjoint-tangent, its cache and its buffers) on the pooled tensor, a quarter of the
// size for 2x2 windows. Derivatives agree too: where a window's maximum is positive both orders
// route through the same element (ties broken alike, first in the window); where it is not, relu'
// is 0 in both. The swap is made only when the ReLU feeds the pooling alone and is not the graph's
// output.
//
//   Graph run = evaluation_graph(model.graph);   // node ids of input, label, output, loss
//   unchanged
#include "engine/graph.h"

namespace hess {

Graph evaluation_graph(const Graph& g);

}  // namespace hess
