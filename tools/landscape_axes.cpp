#include "tools/landscape_axes.h"

#include <stdexcept>

#include "engine/curvature_operator.h"
#include "io/checkpoint_series.h"
#include "io/landscape_files.h"
#include "io/sha256.h"
#include "tools/cli_error.h"

namespace hess::cli {

namespace {

// The PCA plane needs this many checkpoints (two differences to the final one span it).
constexpr size_t kMinPcaCheckpoints = 3;

std::vector<double> random_axis(const AxesRequest& q, const Model& m, uint64_t stream) {
  return random_direction(m.graph, m.theta, q.norm, q.include_1d, Rng(q.seed).split(stream));
}

Axes eigen_axes(const AxesRequest& q, Session& s) {
  const ObjectiveOperator H(*s.objective, Curvature::Hessian);
  EigenDirections e = eigen_directions(H, q.two_d ? 2 : 1, q.seed);
  Axes a;
  a.directions.x = std::move(e.vectors[0]);
  if (q.two_d) a.directions.y = std::move(e.vectors[1]);
  a.stats["eigenvalues"] = e.eigenvalues;
  a.stats["residuals"] = e.residuals;
  a.hvps = e.hvps;
  if (e.status != Status::Ok) a.warning = "eigenvector axes: " + e.message;
  return a;
}

Axes interp_axes(const AxesRequest& q, const CommonOptions& o, const Session& s) {
  CommonOptions other = o;
  other.model = q.to;
  other.arch.clear();
  std::string label;
  const Model m2 = open_model(other, &label, s.data.sample_shape);
  Axes a;
  try {
    a.directions.x = interpolation_direction(s.model.graph, s.model.theta, m2.graph, m2.theta);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error("--to " + q.to + ": not the same model structure as " + s.model_label +
                             ": " + e.what());
  }
  if (q.two_d) a.directions.y = random_axis(q, s.model, 1);
  return a;
}

Axes pca_axes(const AxesRequest& q, const Session& s) {
  const std::vector<Checkpoint> list = list_checkpoints(q.checkpoints);
  if (list.size() < kMinPcaCheckpoints) {
    throw UsageError(
        "--checkpoints " + q.checkpoints + ": " + std::to_string(list.size()) +
        " checkpoint(s), the PCA plane of a trajectory needs at least 3" +
        (list.size() == 1 ? " (quote a glob so that the shell does not expand it)" : ""));
  }
  std::vector<std::vector<double>> thetas;
  Axes a;
  for (const Checkpoint& c : list) {
    Model m = read_checkpoint(c).model;
    try {
      check_same_graph(s.model.graph, m.graph);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(c.label() + ": not the same model structure as " + s.model_label +
                               ": " + e.what());
    }
    thetas.push_back(std::move(m.theta));
    a.proj_labels.push_back(c.label());
  }
  TrajectoryPca p = trajectory_pca(s.model.graph, thetas, s.model.theta, q.include_1d);
  a.directions.x = std::move(p.x);
  if (q.two_d) a.directions.y = std::move(p.y);
  a.proj_x = std::move(p.path_x);
  a.proj_y = std::move(p.path_y);
  a.stats["explained_variance_"] = {p.explained_variance[0], p.explained_variance[1]};
  a.stats["explained_variance_ratio_"] = {p.explained_variance_ratio[0],
                                          p.explained_variance_ratio[1]};
  a.stats["singular_values_"] = {p.singular_values[0], p.singular_values[1]};
  if (p.rank < (q.two_d ? 2 : 1)) {
    throw std::runtime_error("--checkpoints " + q.checkpoints + ": the checkpoints span " +
                             std::to_string(p.rank) + " dimension(s) around the model, the " +
                             (q.two_d ? "PCA plane needs 2" : "PCA axis needs 1"));
  }
  return a;
}

}  // namespace

void check_axes_request(const AxesRequest& q, bool to_given, bool checkpoints_given,
                        bool dir_file_given) {
  const std::string kind(name_of(q.kind));
  auto only = [&](bool given, DirectionKind k, const char* flag) {
    if (given && q.kind != k) {
      throw UsageError(std::string(flag) + " goes with --dirs " + std::string(name_of(k)) +
                       ", not --dirs " + kind);
    }
    if (!given && q.kind == k) throw UsageError("--dirs " + kind + " needs " + flag);
  };
  only(to_given, DirectionKind::Interp, "--to");
  only(checkpoints_given, DirectionKind::Pca, "--checkpoints");
  only(dir_file_given, DirectionKind::File, "--dir-file");
}

std::vector<std::pair<std::string, std::string>> axes_inputs(const AxesRequest& q) {
  std::vector<std::pair<std::string, std::string>> in;
  if (q.kind == DirectionKind::Interp) in.emplace_back("to_sha256", sha256_file(q.to));
  if (q.kind == DirectionKind::File) in.emplace_back("dir_file_sha256", sha256_file(q.dir_file));
  if (q.kind == DirectionKind::Pca) {
    std::string files;
    for (const Checkpoint& c : list_checkpoints(q.checkpoints)) {
      files += c.label() + " " + sha256_file(c.file) + ";";
    }
    in.emplace_back("checkpoints", files);
  }
  return in;
}

Axes make_axes(const AxesRequest& q, const CommonOptions& o, Session& s) {
  switch (q.kind) {
    case DirectionKind::Random: {
      Axes a;
      a.directions.x = random_axis(q, s.model, 0);
      if (q.two_d) a.directions.y = random_axis(q, s.model, 1);
      return a;
    }
    case DirectionKind::Eigen:
      return eigen_axes(q, s);
    case DirectionKind::Interp:
      return interp_axes(q, o, s);
    case DirectionKind::Pca:
      return pca_axes(q, s);
    case DirectionKind::File: {
      std::vector<std::vector<double>> d =
          read_direction_file(q.dir_file, s.model.graph, q.two_d ? 2 : 1);
      Axes a;
      a.directions.x = std::move(d[0]);
      if (q.two_d) a.directions.y = std::move(d[1]);
      return a;
    }
  }
  throw std::logic_error("unknown direction kind");
}

}  // namespace hess::cli
