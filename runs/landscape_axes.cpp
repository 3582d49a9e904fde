#include "runs/landscape_axes.h"

#include <stdexcept>

#include "engine/curvature_operator.h"
#include "engine/field_error.h"
#include "io/checkpoint_series.h"
#include "io/landscape_files.h"
#include "io/model_source.h"
#include "io/sha256.h"

namespace hess::runs {

namespace {

// The PCA plane needs this many checkpoints (two differences to the final one span it).
constexpr size_t kMinPcaCheckpoints = 3;

std::vector<double> random_axis(const AxesRequest& q, uint64_t seed, const Model& m,
                                uint64_t stream) {
  return random_direction(m.graph, m.theta, q.norm, q.include_1d, Rng(seed).split(stream));
}

Axes eigen_axes(bool two_d, Workspace& ws) {
  const ObjectiveOperator H(ws.objective(), Curvature::Hessian);
  EigenDirections e = eigen_directions(H, two_d ? 2 : 1, ws.inputs().seed);
  Axes a;
  a.directions.x = std::move(e.vectors[0]);
  if (two_d) a.directions.y = std::move(e.vectors[1]);
  a.stats["eigenvalues"] = e.eigenvalues;
  a.stats["residuals"] = e.residuals;
  a.hvps = e.hvps;
  if (e.status != Status::Ok) a.warning = "eigenvector axes: " + e.message;
  return a;
}

Axes interp_axes(const AxesRequest& q, bool two_d, const Workspace& ws) {
  ModelSourceOptions o;
  o.loss = ws.inputs().loss;
  o.sample_shape_hint = ws.data().sample_shape;
  const Model m2 = open_model(q.to, o).model;
  Axes a;
  try {
    a.directions.x =
        interpolation_direction(ws.model().graph, ws.model().theta, m2.graph, m2.theta);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(q.to + ": not the same model structure as " + ws.model_label() + ": " +
                             e.what());
  }
  if (two_d) a.directions.y = random_axis(q, ws.inputs().seed, ws.model(), 1);
  return a;
}

Axes pca_axes(const AxesRequest& q, bool two_d, const Workspace& ws) {
  const std::vector<Checkpoint> list = list_checkpoints(q.checkpoints);
  if (list.size() < kMinPcaCheckpoints) {
    throw FieldError(
        "checkpoints",
        q.checkpoints + ": " + std::to_string(list.size()) +
            " checkpoint(s), the PCA plane of a trajectory needs at least 3" +
            (list.size() == 1 ? " (quote a glob so that the shell does not expand it)" : ""));
  }
  std::vector<std::vector<double>> thetas;
  Axes a;
  for (const Checkpoint& c : list) {
    Model m = read_checkpoint(c).model;
    try {
      check_same_graph(ws.model().graph, m.graph);
    } catch (const std::invalid_argument& e) {
      throw std::runtime_error(c.label() + ": not the same model structure as " + ws.model_label() +
                               ": " + e.what());
    }
    thetas.push_back(std::move(m.theta));
    a.proj_labels.push_back(c.label());
  }
  TrajectoryPca p = trajectory_pca(ws.model().graph, thetas, ws.model().theta, q.include_1d);
  a.directions.x = std::move(p.x);
  if (two_d) a.directions.y = std::move(p.y);
  a.proj_x = std::move(p.path_x);
  a.proj_y = std::move(p.path_y);
  a.stats["explained_variance_"] = {p.explained_variance[0], p.explained_variance[1]};
  a.stats["explained_variance_ratio_"] = {p.explained_variance_ratio[0],
                                          p.explained_variance_ratio[1]};
  a.stats["singular_values_"] = {p.singular_values[0], p.singular_values[1]};
  if (p.rank < (two_d ? 2 : 1)) {
    throw std::runtime_error(q.checkpoints + ": the checkpoints span " + std::to_string(p.rank) +
                             " dimension(s) around the model, the " +
                             (two_d ? "PCA plane needs 2" : "PCA axis needs 1"));
  }
  return a;
}

}  // namespace

void AxesRequest::validate() const {
  auto only = [&](bool given, DirectionKind k, const char* field) {
    if (given && kind != k) {
      throw FieldError(field, "goes with {dirs} " + std::string(name_of(k)) + ", not {dirs} " +
                                  std::string(name_of(kind)));
    }
    if (!given && kind == k)
      throw FieldError("dirs", std::string(name_of(kind)) + " needs {" + field + "}");
  };
  only(!to.empty(), DirectionKind::Interp, "to");
  only(!checkpoints.empty(), DirectionKind::Pca, "checkpoints");
  only(!dir_file.empty(), DirectionKind::File, "dir_file");
}

void add_axes_inputs(Fingerprint& f, const AxesRequest& q) {
  if (q.kind == DirectionKind::Interp) f.add("to_sha256", sha256_file(q.to));
  if (q.kind == DirectionKind::File) f.add("dir_file_sha256", sha256_file(q.dir_file));
  if (q.kind == DirectionKind::Pca) {
    std::string files;
    for (const Checkpoint& c : list_checkpoints(q.checkpoints)) {
      files += c.label() + " " + sha256_file(c.file) + ";";
    }
    f.add("checkpoints", files);
  }
}

Axes make_axes(const AxesRequest& q, bool two_d, Workspace& ws) {
  switch (q.kind) {
    case DirectionKind::Random: {
      Axes a;
      a.directions.x = random_axis(q, ws.inputs().seed, ws.model(), 0);
      if (two_d) a.directions.y = random_axis(q, ws.inputs().seed, ws.model(), 1);
      return a;
    }
    case DirectionKind::Eigen:
      return eigen_axes(two_d, ws);
    case DirectionKind::Interp:
      return interp_axes(q, two_d, ws);
    case DirectionKind::Pca:
      return pca_axes(q, two_d, ws);
    case DirectionKind::File: {
      std::vector<std::vector<double>> d =
          read_direction_file(q.dir_file, ws.model().graph, two_d ? 2 : 1);
      Axes a;
      a.directions.x = std::move(d[0]);
      if (two_d) a.directions.y = std::move(d[1]);
      return a;
    }
  }
  throw std::logic_error("unknown direction kind");
}

}  // namespace hess::runs
