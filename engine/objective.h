#pragma once
// The objective over a data set and the products analyzers need from it.
//
//   L(θ) = (1/N) Σᵢ ℓ(f(xᵢ; θ), yᵢ) + (λ/2)‖θ‖²
//
// over the *analysis set*: N rows of a Dataset chosen by the caller (io/ picks them with a seed).
// The rows are cut into batches of `batch_size` in their given order, or of fewer samples where
// that keeps a batch's tensors in cache (compute_batch_size(), engine/compute_batch.h); every
// batch's loss is a sum seeded with 1/N, so a partial last batch weighs by its size. Batches run in
// `threads` threads, each with its own EvalContext (allocated once, reused across calls); thread t
// takes a contiguous range of batches and the per-thread sums are added in thread order. So the
// same θ and V always give the same result for a fixed thread count, and agree to rounding across
// thread counts.
//
// Data-parallel (options.reduction set, engine/reduction.h): the analysis set is cut into
// reduction->size() contiguous shards of rows (sizes differing by at most one row); this process
// evaluates shard reduction->rank() in batches of `batch_size` and the shards' sums are added in
// rank order by the reduction, so every rank gets the same loss, gradient and products, and the
// mean is over the global N. A rank whose shard is empty contributes zeros.
//
// The curvature product C V (C the Hessian or the GGN of L, λI included) of k directions shares one
// value pass per batch. BatchNorm nodes use their running statistics (inference semantics).
//
//   auto obj = hess::make_objective(graph, data, rows, {.batch_size = 256, .threads = 2},
//                                   hess::Precision::F64);
//   obj->set_parameters(theta);
//   double L = obj->value().loss;
//   Eigen::MatrixXd V = ..., HV(P, V.cols());
//   obj->curvature(V.data(), V.cols(), HV.data(), hess::Curvature::Hessian);

#include <cstdint>
#include <exception>
#include <memory>
#include <string_view>
#include <vector>

#include "engine/autodiff.h"
#include "engine/dataset.h"
#include "engine/enum_names.h"
#include "engine/graph.h"
#include "engine/reduction.h"

namespace hess {

enum class Precision : uint8_t { F32, F64 };
template <>
struct EnumNames<Precision> {
  static constexpr std::string_view what = "precision";
  static constexpr std::string_view names[] = {"f32", "f64"};
};

struct ObjectiveOptions {
  int64_t batch_size = 256;   // samples per batch
  int threads = 1;            // batches evaluated in parallel
  double weight_decay = 0.0;  // λ of the (λ/2)‖θ‖² term
  // Memory (bytes) the objective may spend keeping each batch's value pass and adjoints between
  // curvature products at the same θ (engine/autodiff.h, "Reuse at a fixed θ"), divided among
  // its threads; 0: nothing is kept and every product recomputes them.
  int64_t keep_bytes = 0;
  // A k-column curvature product runs in passes of column_group(P, column_group_bytes) columns
  // once every batch is kept (engine/objective.h, column_group). Each pass adds every batch's
  // parameter curvature columns (float) into double accumulators, 12 bytes per parameter and
  // column read and written per batch; past a few MiB they leave the cache and a wide product
  // costs more per column than single ones (the 669,706-parameter benchmark MLP: 8 columns
  // 0.094 s per column at once, 0.082 s in passes of one, a single product 0.085 s). Columns in
  // one pass share GEMM sizes.
  int64_t column_group_bytes = 8 << 20;
  // Set: this process evaluates one shard and the reduction adds the shards (see above).
  std::shared_ptr<Reduction> reduction;
  // Set on the point workers of a distributed run (analyzers/point_evaluator.h): the ranks among
  // which their points are divided; each point is still evaluated whole by one rank.
  std::shared_ptr<Reduction> point_ranks;
  // Throws std::invalid_argument naming the bad field.
  void validate() const;
};

// Loss and accuracy over the analysis set.
struct Evaluation {
  double loss = 0.0;
  double accuracy = 0.0;  // fraction in [0, 1]; 0 without class labels
};

// How much work an objective has done since it was made.
struct ObjectiveCounters {
  int64_t values = 0;     // passes over the set computing only the loss
  int64_t gradients = 0;  // passes computing the gradient
  int64_t curvature = 0;  // curvature-vector products (one per column)
  int64_t diagonals = 0;  // exact GGN diagonals (each a pass over the set, C columns per sample)
  int64_t passes = 0;     // passes over the analysis set of any kind
};

class Objective {
 public:
  virtual ~Objective() = default;

  virtual const Graph& graph() const = 0;
  virtual int64_t num_params() const = 0;
  virtual int64_t num_samples() const = 0;
  virtual Precision precision() const = 0;
  virtual const ObjectiveOptions& options() const = 0;
  // Samples evaluated at once (engine/compute_batch.h): options().batch_size or fewer.
  virtual int64_t compute_batch_size() const = 0;

  virtual void set_parameters(const std::vector<double>& theta) = 0;
  virtual const std::vector<double>& parameters() const = 0;

  // Replaces the analysis set by other rows of the same data (a trainer's minibatch); throws
  // std::invalid_argument when it is empty or an index is out of range.
  virtual void set_rows(std::vector<int64_t> rows) = 0;

  // One pass over the set computing what `req` asks (its scale is ignored: 1/N is used) into `out`
  // (overwritten, not accumulated). Throws NumericalError when NaN or Inf is met.
  virtual Evaluation evaluate(const EvalRequest& req, const EvalOutput& out) = 0;

  Evaluation value();
  // g = ∇L(θ); returns L(θ).
  Evaluation gradient(double* g);
  // CV = C V for k directions (P x k, column-major).
  void curvature(const double* V, int k, double* CV, Curvature kind);
  // RV = (H − G) V: the Hessian's residual over the GGN, one HVP's cost per column (λI belongs to
  // G, not to the residual).
  void residual(const double* V, int k, double* RV);
  // d = diag(G) + λ exactly (engine/autodiff.h): every sample's C output columns backpropagated.
  void ggn_diagonal(double* d);

  const ObjectiveCounters& counters() const { return counters_; }
  // What is kept between products now, summed over threads.
  virtual KeptBatches kept() const = 0;

 protected:
  ObjectiveCounters counters_;

 private:
  // The k columns of a curvature or residual request, column_group(P, …) per pass once every batch
  // is kept (the first group keeps them); all at once when batches are recomputed (no keep_bytes,
  // or the rest after a first pass that could not keep them all), or in a data-parallel
  // objective (every rank must make the same passes).
  void columns(EvalRequest req, const double* V, int k, double* out);
};

// Columns of a k-column product evaluated per pass over the set (see ObjectiveOptions::
// column_group_bytes): max(1, bytes / (12 P)).
inline constexpr int64_t kColumnGroupBytesPerParam = 12;
int column_group(int64_t num_params, int64_t bytes);

// The objective of `graph` over rows `rows` of `data`, in float or double arithmetic.
// Throws std::invalid_argument when the data does not fit the graph (naming what differs).
std::unique_ptr<Objective> make_objective(const Graph& graph, const Dataset& data,
                                          std::vector<int64_t> rows,
                                          const ObjectiveOptions& options, Precision precision);

// Checks that `data` fits `graph`: sample shape, label kind, label range, finite X.
// Throws std::invalid_argument naming the mismatch.
void check_data_fits(const Graph& graph, const Dataset& data);

}  // namespace hess
