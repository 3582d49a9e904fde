#include "tools/result_groups.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace hess::cli {

namespace {

std::vector<double> to_vector(const Eigen::VectorXd& v) {
  return {v.data(), v.data() + v.size()};
}

// `layer_names` and `layer_sizes` of per-layer results (GroupTrace, GroupDiag).
template <class Layer>
void write_layers(ResultGroup& g, const std::vector<Layer>& layers) {
  std::vector<std::string> names;
  std::vector<int64_t> sizes;
  for (const Layer& l : layers) {
    names.push_back(l.name);
    sizes.push_back(l.size);
  }
  g.write("layer_names", names);
  g.write("layer_sizes", sizes);
}

// One field of per-layer results as a dataset aligned with `layer_names`.
template <class Layer>
void write_column(ResultGroup& g, const std::string& name, const std::vector<Layer>& layers,
                  double Layer::*field) {
  std::vector<double> column;
  for (const Layer& l : layers) column.push_back(l.*field);
  g.write(name, column);
}

}  // namespace

void write_status(ResultGroup& g, Status status, const std::string& message) {
  g.attr("status", std::string(name_of(status)));
  g.attr("message", message);
}

void write_eigen(ResultGroup& g, const EigenOptions& o, const EigenResult& r) {
  g.write("eigenvalues", to_vector(r.eigenvalues));
  g.write("residuals", to_vector(r.residuals));
  if (r.vectors.size() > 0) {
    // Row i is eigenvector i: the column-major P x n matrix read as row-major n x P.
    g.write("eigenvectors", r.vectors.data(), {r.vectors.cols(), r.vectors.rows()});
  }
  g.attr("method", std::string(name_of(o.method)));
  g.attr("which", std::string(name_of(o.which)));
  g.attr("k", o.k);
  g.attr("tol", o.tol);
  g.attr("iterations", r.iterations);
  g.attr("converged", r.converged);
  write_status(g, r.status, r.message);
}

void write_trace(ResultGroup& g, const TraceOptions& o, const TraceResult& r,
                 const std::vector<GroupTrace>& per_layer) {
  g.attr("method", std::string(name_of(o.method)));
  g.attr("trace", r.trace);
  g.attr("stderr", r.std_error);
  g.attr("probes", r.probes);
  g.attr("rtol", o.rtol);
  g.attr("frobenius2", r.frobenius2);
  g.attr("frobenius2_stderr", r.frobenius2_std_error);
  write_layers(g, per_layer);
  write_column(g, "layer_traces", per_layer, &GroupTrace::trace);
  write_column(g, "layer_stderr", per_layer, &GroupTrace::std_error);
  write_status(g, r.status, r.message);
}

void write_diag(ResultGroup& g, const DiagOptions& o, const DiagResult& r) {
  g.write("diagonal", to_vector(r.diagonal));
  g.write("stderr", to_vector(r.std_error));
  write_layers(g, r.groups);
  write_column(g, "layer_sum", r.groups, &GroupDiag::sum);
  write_column(g, "layer_sum_stderr", r.groups, &GroupDiag::sum_std_error);
  write_column(g, "layer_mean", r.groups, &GroupDiag::mean);
  write_column(g, "layer_min", r.groups, &GroupDiag::min);
  write_column(g, "layer_max", r.groups, &GroupDiag::max);
  g.attr("probes", r.probes);
  g.attr("block", o.block);
  write_status(g, r.status, r.message);
}

void write_density(ResultGroup& g, const DensityOptions& o, const DensityResult& r) {
  g.write("grid", to_vector(r.grid));
  g.write("density", to_vector(r.density));
  // Nodes and weights as (runs, steps) arrays; a run that stopped early is padded with NaN.
  const int64_t runs = static_cast<int64_t>(r.nodes.size());
  int64_t width = 0;
  for (const Eigen::VectorXd& n : r.nodes) width = std::max<int64_t>(width, n.size());
  std::vector<double> nodes(runs * width, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> weights(nodes);
  for (int64_t i = 0; i < runs; ++i) {
    std::copy(r.nodes[i].data(), r.nodes[i].data() + r.nodes[i].size(), nodes.begin() + i * width);
    std::copy(r.weights[i].data(), r.weights[i].data() + r.weights[i].size(),
              weights.begin() + i * width);
  }
  g.write("nodes", nodes.data(), {runs, width});
  g.write("weights", weights.data(), {runs, width});
  g.write("steps", std::vector<int64_t>(r.steps.begin(), r.steps.end()));
  g.attr("runs", o.runs);
  g.attr("sigma", r.sigma);
  g.attr("sigma_relative", o.sigma);
  g.attr("integral", r.integral);
  g.attr("mass_outside", r.mass_outside);
  g.attr("lambda_min", r.lambda_min);
  g.attr("lambda_max", r.lambda_max);
  g.attr("max_over_min", r.max_over_min);
  g.attr("negative_mass", r.negative_mass);
  g.attr("negative_mass_stderr", r.negative_mass_std_error);
  g.attr("negative_mass_beyond", r.negative_mass_beyond);
  g.attr("negative_mass_beyond_stderr", r.negative_mass_beyond_std_error);
  g.attr("negative_threshold", o.negative_threshold);
  g.attr("lla_re", r.lla_re);
  g.attr("lla_kh", r.lla_kh);
  g.attr("kh_power", o.kh_power);
  write_status(g, r.status, r.message);
}

}  // namespace hess::cli
