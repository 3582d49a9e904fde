#pragma once
// Forward-over-reverse differentiation of a graph on one batch: loss, gradient, JVP, Hessian-vector
// and Gauss-Newton-vector products, k directions at a time.
//
// The math. Let ℓ(θ) be the graph's loss on a batch (a sum over its samples) and v a direction in
// parameter space. Pearlmutter's R-operator R{·} = d/dt (·)(θ + t v) at t = 0 applied to the
// reverse pass gives R{∇ℓ} = H v. Concretely, four passes over the nodes:
//
//   1. value            y = f(x)                     every node, in order
//   2. tangent          ẏ = R{y}                     nodes that depend on θ; Param tangents are v
//   3. adjoint          x̄ = ∂ℓ/∂x                    reverse order, seeded with ℓ̄ = scale
//   4. adjoint-tangent  x̄̇ = R{x̄}                     reverse order, seeded with 0
//
// The adjoint-tangent of a parameter block is its slice of H v; its adjoint is its slice of ∇ℓ.
// The cost is about twice a gradient and no graph of the gradient is ever built. Passes 3 and 4 are
// fused into one reverse sweep. An HVP needs the adjoints of activations but not of parameters, so
// parameter adjoints (the gradient's weight GEMMs) are computed only when the gradient is
// requested; and it needs an activation's adjoint only when an op at or after it has a curvature
// term (the op table's OpCurvature), so a ReLU network skips the adjoints below its first bilinear
// layer with two varying inputs.
//
// k directions at once: tangents carry k columns ([k, shape...]); the value and adjoint passes are
// shared by all columns and matrix-vector work becomes GEMMs. That is how H V for a Lanczos block,
// a batch of Hutchinson probes or SLQ runs is computed.
//
// Gauss-Newton: when every op except the loss drops its own curvature term (the part of its
// adjoint-tangent rule proportional to ȳ), the sweep returns Jᵀ H_L J v, where J is the Jacobian of
// the network output and H_L the Hessian of the loss in the output: the GGN, positive semidefinite
// for convex losses. Mode Curvature::GGN does exactly that.
//
// The residual H − G: dropping instead only the loss's own term H_ℓ (and keeping every other op's)
// gives (H − G) v in one sweep, as the R-operator is linear in those terms
// (EvalRequest::loss_curvature = false).
//
// Exact GGN diagonal (BackPACK's DiagGGNExact): diag(G) = Σ_n Σ_c ((J_nᵀ S_n)_c)², where J_n is
// the Jacobian of sample n's output z_n and H_ℓ,n = S_n S_nᵀ a factor of its loss Hessian
// (engine/ops/loss.h: C columns for C outputs). The C columns of S_n seed the adjoint-tangent of
// z with every op's curvature term off and no tangent pass (the GGN sweep without a direction):
// each parameter's adjoint-tangent column c is then (J_nᵀ S_n)_c, whose squares are summed into
// the diagonal. The squares need per-sample parameter derivatives, so in general samples go one
// at a time (batch 1, C columns: about C gradients of single samples per sample). Linear layers
// on rows of samples whose weights are used nowhere else are done for the whole batch at once
// instead, when every node keeps samples apart (axis 0 is the batch at every node, no softmax or
// normalization over it): the batch's C columns per sample are backpropagated together and each
// such layer adds one GEMM of squared factors (engine/ops/linear.h, linear_ggn_diagonal); the
// per-sample sweeps then cover only the other parameters (EvalRequest::ggn_diagonal).
//
// Reuse at a fixed θ: the value pass and the adjoints do not depend on the directions, so a context
// asked to keep batches (keep_batches(bytes)) saves, after a curvature product on a batch given a
// key (set_batch(..., key)), every node's value, its op caches and the adjoints a product reads
// (outputs of ops with a curvature term) for that batch; the op caches of convolutions, BatchNorm
// and ReLU are rebuilt from the kept values by the op table's cache rule (OpRules::cache); the next
// curvature product on the same key, rows and θ restores them (buffers are swapped, not copied)
// and runs only the tangent and adjoint-tangent sweeps. Batches are kept in key order until the
// budget is spent; the rest are recomputed. set_parameters() makes kept batches stale (their
// memory is reused). Requests with a gradient or the GGN diagonal never use kept batches.
//
// Values in double for float curvature: a float context of a graph with gates (ops whose
// derivatives jump at a threshold the value pass decides: relu, max-pooling; OpInfo::gated)
// evaluates the value pass of a curvature product or GGN diagonal in double (a second context of
// the same graph, EvalContext<double>) and rounds each node's value to float; the op caches come
// from those rounded values, by the cache rule that restores a kept batch (padded planes,
// BatchNorm's x̂) or else by the float value rule (argmax indices, probabilities), and the
// tangent and adjoint sweeps run in float. A float value pass is wrong by
// ~1e-7 of each activation, which flips the few ReLU gates whose pre-activation lies that close to
// 0, and a flipped gate changes the Hessian by far more than rounding: on the benchmark residual
// CNN (BatchNorm, 512 images, seven flips among 45 million gates) float32's third eigenvalue
// was 2.4e-6 off float64's, 5e-8 with the value pass in double. Kept batches pay it once per θ;
// gradients and losses stay all float, and so do smooth graphs (tanh, GELU: a value 1e-7 off moves
// their Hessian by as little).
//
// Fresh adjoint-tangents: the reverse sweep zeroes every adjt it will add into, except that of a
// node read by one op only, once, as an input that op's adjoint_tangent can overwrite (the op
// table's OpInfo::fresh: activations, max-pooling, convolutions, linear layers, reshapes). That one
// is handed over unzeroed with Slot::adjt_fresh set, and the rule writes it instead of adding to
// it.
//
// State lives in this context, one per thread: no global tape. Buffers are allocated on the first
// evaluation and reused afterwards. Over several batches, the directions are loaded once (begin);
// each batch's parameter gradient and curvature columns (in T) are added into double accumulators
// inside the context, which finish adds to the caller's double vectors: nothing is summed in T
// across batches, so float passes lose no accuracy to long sums.
//
//   hess::EvalContext<double> ctx(graph);
//   ctx.set_parameters(theta.data());
//   hess::EvalRequest req;
//   req.gradient = true;
//   req.directions = V.data();  req.k = V.cols();  req.curvature = true;
//   std::vector<double> g(P, 0.0), HV(P * k, 0.0);
//   ctx.begin(req);
//   for (const auto& rows : batches) {
//     ctx.set_batch(data, rows.data(), rows.size());
//     hess::BatchStats s = ctx.run_batch();
//   }
//   ctx.finish({g.data(), HV.data()});   // accumulates into g and HV
//
// or, for one batch, ctx.run(req, {g.data(), HV.data()}).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/dataset.h"
#include "engine/enum_names.h"
#include "engine/graph.h"
#include "engine/ops/op_rules.h"

namespace hess {

enum class Curvature : uint8_t { Hessian, GGN };
template <>
struct EnumNames<Curvature> {
  static constexpr std::string_view what = "curvature";
  static constexpr std::string_view names[] = {"hessian", "ggn"};
};

// What one evaluation computes. Directions and results are flat over θ, column-major P x k.
struct EvalRequest {
  bool gradient = false;               // accumulate scale * ∂ℓ/∂θ
  const double* directions = nullptr;  // V (P x k), needed when k > 0
  int k = 0;                           // number of directions
  bool curvature = false;              // accumulate scale * C V, C the Hessian or the GGN
  Curvature kind = Curvature::Hessian;
  bool loss_curvature = true;  // false: drop the loss's H_ℓ term; with kind Hessian, (H − G) V
  bool ggn_diagonal = false;   // accumulate scale * diag(G) exactly, sample by sample (k = 0)
  double scale = 1.0;          // the loss seed: 1/N makes the batch's sum a term of the mean
};

// Where results accumulate (+=); null pointers for what was not requested.
struct EvalOutput {
  double* grad = nullptr;  // P
  double* curv = nullptr;  // P x k, column-major
  double* diag = nullptr;  // P: the exact GGN diagonal
};

struct BatchStats {
  double loss_sum = 0.0;  // unscaled sum of per-sample losses
  int64_t correct = 0;    // samples whose argmax output equals the label (class labels only)
};

// What a context keeps between products (see "Reuse at a fixed θ" above).
struct KeptBatches {
  int64_t batches = 0;  // batches whose value pass is kept
  int64_t bytes = 0;    // memory they hold
  int64_t reused = 0;   // batch passes served from them since the context was made
  int64_t total = 0;    // batches of a pass over the objective's set (filled by the objective)
};

template <class T>
class EvalContext {
 public:
  // The graph must be valid. The context runs its own copy, rewritten for speed with the same
  // values and derivatives (engine/graph_rewrite.h).
  explicit EvalContext(const Graph& graph);

  // Copies θ (length num_params) into the parameter slots, converted to T.
  void set_parameters(const double* theta);
  // Rows `rows[0..count)` of `data` are the batch (loaded by run_batch unless kept). A key >= 0
  // names the batch for keeping (see keep_batches); -1: never kept.
  void set_batch(const Dataset& data, const int64_t* rows, int64_t count, int64_t key = -1);
  // Lets curvature products keep batches' value passes and adjoints in up to `max_bytes`
  // (0: none, and what was kept is freed).
  void keep_batches(int64_t max_bytes);
  KeptBatches kept() const;
  // Starts an evaluation of `req` over one or more batches: checks it, loads its directions into
  // the parameters' tangents (converted to T) and zeroes the parameters' accumulated results.
  // Parameters must not change until finish().
  void begin(const EvalRequest& req);
  // Runs the passes the request needs on the current batch; the parameters' gradient and curvature
  // columns accumulate in the context. Throws NumericalError naming the first node whose value is
  // not finite.
  BatchStats run_batch();
  // Adds the accumulated results (scaled by req.scale) into `out`. Throws NumericalError naming the
  // first node whose derivatives are not finite.
  void finish(const EvalOutput& out);
  // One batch: begin(req), run_batch(), finish(out).
  BatchStats run(const EvalRequest& req, const EvalOutput& out);

  // After run(): the output node's value [B, ...] and, when k > 0, its tangent J V [k, B, ...].
  const Tensor<T>& output_value() const { return slots_[graph_.output].val; }
  const Tensor<T>& output_tangent() const { return slots_[graph_.output].tan; }
  int64_t batch_size() const { return batch_; }

 private:
  void value_pass();
  // The value pass of a curvature request on the loaded rows: for float, in double first (see
  // "Values in double for float curvature" above).
  void curvature_value_pass(const int64_t* rows, int64_t count);
  // One kept batch: per node its value (where a rule reads it), op caches and adjoint (empty for
  // parameters, constants). A value no rule reads stays in the evaluation context's slot, whose
  // stale contents take the kept batch's shape on restoring (rules read shapes of every value).
  struct Kept {
    bool valid = false;    // made at the current θ
    bool has_adj = false;  // the activations' adjoints are kept too (a Hessian product made them)
    double scale = 0.0;    // the loss seed the adjoints were made with
    const Dataset* data = nullptr;
    std::vector<int64_t> rows;
    BatchStats stats;
    std::vector<Tensor<T>> val, aux, adj;
    std::vector<std::vector<int64_t>> idx;
    std::vector<std::vector<uint8_t>> code;
    std::vector<Shape> shape;  // the values not kept (value_kept_): their shapes only
    int64_t bytes = 0;
  };
  // The kept state of the current batch when it is valid for the current request, else null.
  Kept* kept_for_batch();
  // Exchanges the batch-dependent tensors of the slots with `k`'s (O(1) per node).
  void swap_kept(Kept& k);
  // After a product on a batch that was not kept: keeps it when the budget allows.
  void keep_batch(bool has_adj, const BatchStats& stats);
  void load_directions(const double* V, int k);
  void tangent_pass(int k);
  void load_rows(const int64_t* rows, int64_t count);
  // `adj_ready`: the activations' adjoints are already in the slots (a kept batch).
  void reverse_sweep(const EvalRequest& req, bool adj_ready);
  // Adds the parameters' adjoints and adjoint-tangents of this batch into the double accumulators.
  void accumulate_parameters();
  BatchStats ggn_diagonal_batch();
  // Decides which parameters the batched diagonal sweep covers (see the header comment).
  void plan_ggn_diagonal();
  // Sets want_adjt for a diagonal sweep: activations that vary, and the parameters `per_sample`
  // covers (the per-sample sweep) or none (the batched one).
  void diagonal_flags(bool per_sample);
  // Seeds z̄̇ with the factors of the current batch's samples ([C, B, C]) and sweeps down.
  void ggn_diagonal_sweep(bool batched);
  int64_t count_correct() const;
  // Names the first node whose tensors hold NaN or Inf, e.g. "node 'fc1' (linear): value is NaN".
  std::string find_non_finite() const;
  OpCall<T> call(int node, int k);

  template <class>
  friend class EvalContext;  // a float context runs its double one's value pass
  const Graph graph_;        // evaluation_graph of the caller's
  std::vector<Slot<T>> slots_;
  std::vector<Shape> shapes_;
  std::vector<bool> hvp_adj_;     // adjoints an HVP needs: a curvature term at or below the node
  std::vector<bool> fresh_ok_;    // adjt handed fresh to its one reader (OpInfo::fresh)
  std::vector<bool> value_kept_;  // kept batches hold it: some rule reads it (OpInfo::reads)
  Scratch<T> scratch_;
  int64_t batch_ = -1;
  EvalRequest req_;                // the evaluation begun
  bool begun_ = false;             // begin() called, finish() not yet
  const Dataset* data_ = nullptr;  // the batch set by set_batch
  std::vector<int64_t> rows_;
  int64_t key_ = -1;        // the batch's key for keeping
  bool loaded_ = false;     // the batch's rows are in the input slots
  std::vector<Kept> kept_;  // by key
  int64_t keep_budget_ = 0, kept_bytes_ = 0, kept_reused_ = 0;
  std::vector<T> factor_;  // S of one sample's loss Hessian, C x C
  bool diag_planned_ = false;
  std::vector<bool> diag_linear_;   // linear nodes whose parameters the batched sweep squares
  std::vector<bool> diag_batched_;  // parameter nodes covered by the batched sweep
  bool diag_any_batched_ = false, diag_all_batched_ = false;
  std::vector<double> acc_grad_, acc_curv_, acc_diag_;  // accumulated over the batches
  std::unique_ptr<EvalContext<double>> values_f64_;     // float: curvature value passes
};

extern template class EvalContext<float>;
extern template class EvalContext<double>;

}  // namespace hess
