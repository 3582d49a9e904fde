#pragma once
// Named groups of parameter coordinates (a layer, a block), for the per-group results of the
// stochastic estimators: per-layer traces tr(H_gg) and diagonal summaries from the same probes.
//
// A group is a list of (offset, length) ranges of θ, so a layer whose blocks are not adjacent is
// still one group. For a probe v and its product H v, the group's share of the probe's value is
//
//   v_gᵀ (H v)_g = Σ over ranges of Σᵢ vᵢ (H v)ᵢ,   with E[v_gᵀ (H v)_g] = tr(H_gg)  (E[v vᵀ] = I).
//
//   std::vector<hess::ParamGroup> layers = hess::layer_groups(model.graph);   // fc1, fc2, ...
//   double share = hess::group_dot(layers[0], v.data(), hv.data());

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "engine/graph.h"

namespace hess {

struct ParamGroup {
  std::string name;
  std::vector<std::pair<int64_t, int64_t>> ranges;  // (offset in θ, length)
  int64_t size() const;
};

// One group per layer (engine/block_select.h's group_layers: "fc1.weight" and "fc1.bias" form
// "fc1").
std::vector<ParamGroup> layer_groups(const Graph& graph);
// One group per parameter block, named after it.
std::vector<ParamGroup> block_groups(const Graph& graph);

// Throws std::invalid_argument naming `field` and the group when a range is empty, negative or
// reaches past `num_params`.
void check_groups(const std::vector<ParamGroup>& groups, int64_t num_params, const char* field);

// Σ over the group's coordinates of x_i y_i.
double group_dot(const ParamGroup& group, const double* x, const double* y);

}  // namespace hess
