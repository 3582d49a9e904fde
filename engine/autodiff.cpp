#include "engine/autodiff.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "engine/graph_rewrite.h"
#include "engine/numerical_error.h"
#include "engine/op_registry.h"
#include "engine/ops/linear.h"
#include "engine/ops/loss.h"

namespace hess {

namespace {
bool is_source(OpKind k) {
  return k == OpKind::Input || k == OpKind::Label || k == OpKind::Param || k == OpKind::Constant;
}

// Whether no entry is an infinity or a NaN (exponent bits all ones), by an OR over the bit patterns
// that vectorizes: Eigen's allFinite() compares one value at a time (perf: two thirds of adding a
// compute batch's parameter derivatives into the double accumulators).
template <class T>
bool all_finite(const Tensor<T>& t) {
  using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  constexpr Bits exponent = static_cast<Bits>(sizeof(T) == 4 ? 0x7f800000u : 0x7ff0000000000000u);
  const T* v = t.data();
  Bits all_ones = 0;
  for (int64_t i = 0; i < t.size(); ++i) {
    Bits b;
    std::memcpy(&b, v + i, sizeof(T));
    all_ones |= static_cast<Bits>((b & exponent) == exponent);
  }
  return all_ones == 0;
}

template <class T>
Shape with_columns(int k, const Shape& s) {
  Shape out{k};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}
}  // namespace

template <class T>
EvalContext<T>::EvalContext(const Graph& graph)
    : graph_(evaluation_graph(graph)),
      slots_(graph_.nodes.size()),
      hvp_adj_(graph_.nodes.size(), false),
      fresh_ok_(graph_.nodes.size(), false),
      value_kept_(graph_.nodes.size(), false) {
  // Values a kept batch holds: those some op's rules read (its inputs' or its own, OpInfo::reads),
  // the output's and the loss'.
  for (int node : {graph_.output, graph_.loss}) {
    if (node >= 0) value_kept_[node] = true;
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op)) continue;
    const ReadValues reads = op_info(n.op).reads;
    if (reads & kReadsOutput) value_kept_[i] = true;
    for (size_t q = 0; q < n.inputs.size(); ++q) {
      if ((reads >> q) & 1) value_kept_[n.inputs[q]] = true;
    }
  }
  // A node read once, by an op whose adjoint_tangent overwrites that input, gets its adjt unzeroed.
  std::vector<int> uses(graph_.nodes.size(), 0);
  std::vector<bool> overwritable(graph_.nodes.size(), false);  // by its last reader
  for (const Node& n : graph_.nodes) {
    for (size_t q = 0; q < n.inputs.size(); ++q) {
      ++uses[n.inputs[q]];
      overwritable[n.inputs[q]] = (op_info(n.op).fresh >> q) & 1;
    }
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) fresh_ok_[i] = uses[i] == 1 && overwritable[i];
  if constexpr (std::is_same_v<T, float>) {
    if (has_gated_ops(graph_)) values_f64_ = std::make_unique<EvalContext<double>>(graph);
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    Slot<T>& s = slots_[i];
    if (n.op == OpKind::Param) {
      s.varies = true;
    } else {
      for (int in : n.inputs) s.varies = s.varies || slots_[in].varies;
    }
    // An HVP needs this node's adjoint when its own op has a curvature term (which reads ȳ) or when
    // it must pass ȳ on to an input whose adjoint is needed.
    if (s.varies && !is_source(n.op)) {
      const OpCurvature kind = op_info(n.op).curvature;
      bool need = kind == OpCurvature::General ||
                  (kind == OpCurvature::Bilinear && slots_[n.inputs[0]].varies &&
                   slots_[n.inputs[1]].varies);
      for (int in : n.inputs) need = need || hvp_adj_[in];
      hvp_adj_[i] = need;
    }
    if (n.op == OpKind::Constant) {
      const Tensor<double>& c = graph_.constants[n.constant];
      s.val.resize(c.shape());
      for (int64_t j = 0; j < c.size(); ++j) s.val.at(j) = static_cast<T>(c.at(j));
    }
  }
}

template <class T>
void EvalContext<T>::set_parameters(const double* theta) {
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.op != OpKind::Param) continue;
    const Block& b = graph_.blocks[n.block];
    Tensor<T>& v = slots_[i].val;
    v.resize(b.shape);
    for (int64_t j = 0; j < b.size(); ++j) v.at(j) = static_cast<T>(theta[b.offset + j]);
  }
  for (Kept& k : kept_) k.valid = false;
  if (values_f64_) values_f64_->set_parameters(theta);
}

template <class T>
void EvalContext<T>::set_batch(const Dataset& data, const int64_t* rows, int64_t count,
                               int64_t key) {
  data_ = &data;
  rows_.assign(rows, rows + count);
  key_ = key;
  loaded_ = false;
  if (count != batch_) {
    shapes_ = infer_shapes(graph_, count);
    batch_ = count;
  }
}

template <class T>
void EvalContext<T>::keep_batches(int64_t max_bytes) {
  if (max_bytes < 0) throw std::invalid_argument("EvalContext::keep_batches: negative budget");
  keep_budget_ = max_bytes;
  if (max_bytes == 0) {
    kept_.clear();
    kept_.shrink_to_fit();
    kept_bytes_ = 0;
  }
}

template <class T>
KeptBatches EvalContext<T>::kept() const {
  KeptBatches k;
  for (const Kept& s : kept_) k.batches += s.valid;
  k.bytes = kept_bytes_;
  k.reused = kept_reused_;
  return k;
}

template <class T>
typename EvalContext<T>::Kept* EvalContext<T>::kept_for_batch() {
  if (key_ < 0 || key_ >= static_cast<int64_t>(kept_.size())) return nullptr;
  Kept& k = kept_[key_];
  if (!k.valid || k.data != data_ || k.rows != rows_) return nullptr;
  return &k;
}

namespace {

// Op caches a kept batch does not hold but rebuilds on restoring with the op table's cache rule
// (a convolution's padded input or im2col columns, BatchNorm's x̂).
bool cache_rebuilt(OpKind op) {
  return op_info(op).rules_f.cache != nullptr;
}

// Adjoints a kept batch holds: those a product's adjoint-tangent rules read, the outputs of ops
// with a curvature term (the op table's OpCurvature; the rules of the others never read ȳ).
bool adjoint_kept(OpKind op) {
  return op_info(op).curvature != OpCurvature::None;
}

}  // namespace

template <class T>
void EvalContext<T>::swap_kept(Kept& k) {
  const size_t n = graph_.nodes.size();
  if (k.val.size() != n) {
    k.val.resize(n);
    k.aux.resize(n);
    k.adj.resize(n);
    k.idx.resize(n);
    k.code.resize(n);
  }
  for (size_t i = 0; i < n; ++i) {
    const OpKind op = graph_.nodes[i].op;
    if (op == OpKind::Param || op == OpKind::Constant) continue;
    Slot<T>& s = slots_[i];
    if (value_kept_[i]) {
      std::swap(s.val, k.val[i]);
    } else {
      s.val.resize(k.shape[i]);
    }
    if (!cache_rebuilt(op)) std::swap(s.aux, k.aux[i]);
    if (adjoint_kept(op)) std::swap(s.adj, k.adj[i]);
    std::swap(s.idx, k.idx[i]);
    std::swap(s.code, k.code[i]);
  }
}

template <class T>
void EvalContext<T>::keep_batch(bool has_adj, const BatchStats& stats) {
  int64_t bytes = 0;
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const OpKind op = graph_.nodes[i].op;
    if (op == OpKind::Param || op == OpKind::Constant) continue;
    const Slot<T>& s = slots_[i];
    const int64_t val = value_kept_[i] ? s.val.size() : 0;
    const int64_t aux = cache_rebuilt(op) ? 0 : s.aux.size();
    const int64_t adj = adjoint_kept(op) ? s.adj.size() : 0;
    bytes += (val + aux + adj) * static_cast<int64_t>(sizeof(T)) +
             static_cast<int64_t>(s.idx.size() * sizeof(int64_t) + s.code.size());
  }
  if (key_ >= static_cast<int64_t>(kept_.size())) kept_.resize(key_ + 1);
  Kept& k = kept_[key_];
  if (kept_bytes_ - k.bytes + bytes > keep_budget_) return;
  k.shape.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    if (!value_kept_[i]) k.shape[i] = slots_[i].val.shape();
  }
  swap_kept(k);
  kept_bytes_ += bytes - k.bytes;
  k.bytes = bytes;
  k.valid = true;
  k.has_adj = has_adj;
  k.scale = req_.scale;
  k.data = data_;
  k.rows = rows_;
  k.stats = stats;
}

template <class T>
void EvalContext<T>::load_rows(const int64_t* rows, int64_t count) {
  const Dataset& data = *data_;
  if (count != batch_) {
    shapes_ = infer_shapes(graph_, count);
    batch_ = count;
  }
  loaded_ = true;
  const int64_t per = numel(data.sample_shape);
  Slot<T>& in = slots_[graph_.input];
  in.val.resize(shapes_[graph_.input]);
  for (int64_t r = 0; r < count; ++r) {
    const float* src = data.values() + rows[r] * per;
    T* dst = in.val.data() + r * per;
    for (int64_t j = 0; j < per; ++j) dst[j] = static_cast<T>(src[j]);
  }
  if (graph_.label < 0) return;
  Slot<T>& lab = slots_[graph_.label];
  if (graph_.label_kind == LabelKind::Class) {
    lab.idx.resize(count);
    for (int64_t r = 0; r < count; ++r) lab.idx[r] = data.labels[rows[r]];
  } else {
    const int64_t t = graph_.target_dim;
    lab.val.resize(shapes_[graph_.label]);
    for (int64_t r = 0; r < count; ++r) {
      for (int64_t j = 0; j < t; ++j)
        lab.val.at(r * t + j) = static_cast<T>(data.targets[rows[r] * t + j]);
    }
  }
}

template <class T>
OpCall<T> EvalContext<T>::call(int node, int k) {
  const Node& n = graph_.nodes[node];
  OpCall<T> c{n, graph_, slots_[node]};
  c.n_in = static_cast<int>(n.inputs.size());
  for (int j = 0; j < c.n_in; ++j) c.ins[j] = &slots_[n.inputs[j]];
  c.k = k;
  c.scratch = &scratch_;
  return c;
}

template <class T>
void EvalContext<T>::value_pass() {
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op)) continue;
    slots_[i].val.resize(shapes_[i]);
    OpCall<T> c = call(static_cast<int>(i), 0);
    op_rules<T>(n.op).value(c);
  }
}

template <class T>
void EvalContext<T>::curvature_value_pass(const int64_t* rows, int64_t count) {
  if (!values_f64_) {
    value_pass();
    return;
  }
  EvalContext<double>& exact = *values_f64_;
  exact.data_ = data_;
  exact.load_rows(rows, count);
  exact.value_pass();
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op)) continue;
    Tensor<T>& val = slots_[i].val;
    val.resize(shapes_[i]);
    OpCall<T> c = call(static_cast<int>(i), 0);
    const OpRules<T>& rules = op_rules<T>(n.op);
    // The op's caches, from inputs already rounded from double: rebuilt from the values by the
    // table's cache rule where it has one (as for a kept batch: convolutions, BatchNorm),
    // else made by the float value rule (argmax indices, probabilities), whose value is replaced.
    if (!cache_rebuilt(n.op)) rules.value(c);
    const Tensor<double>& v = exact.slots_[i].val;
    for (int64_t j = 0; j < v.size(); ++j) val.at(j) = static_cast<T>(v.at(j));
    if (cache_rebuilt(n.op)) rules.cache(c);
  }
}

template <class T>
void EvalContext<T>::load_directions(const double* V, int k) {
  const int64_t P = graph_.num_params();
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.op != OpKind::Param) continue;
    const Block& b = graph_.blocks[n.block];
    Tensor<T>& tan = slots_[i].tan;
    tan.resize(with_columns<T>(k, b.shape));
    for (int j = 0; j < k; ++j) {
      const double* src = V + j * P + b.offset;
      T* dst = tan.data() + j * b.size();
      for (int64_t e = 0; e < b.size(); ++e) dst[e] = static_cast<T>(src[e]);
    }
  }
}

template <class T>
void EvalContext<T>::tangent_pass(int k) {
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    Slot<T>& s = slots_[i];
    if (!s.varies || n.op == OpKind::Param) continue;  // parameter tangents: loaded by begin()
    s.tan.resize(with_columns<T>(k, shapes_[i]));
    OpCall<T> c = call(static_cast<int>(i), k);
    op_rules<T>(n.op).tangent(c);
  }
}

template <class T>
void EvalContext<T>::reverse_sweep(const EvalRequest& req, bool adj_ready) {
  const int n_nodes = static_cast<int>(graph_.nodes.size());
  for (int i = 0; i < n_nodes; ++i) {
    Slot<T>& s = slots_[i];
    const Shape& shape = graph_.nodes[i].op == OpKind::Param
                             ? graph_.blocks[graph_.nodes[i].block].shape
                             : shapes_[i];
    if (s.want_adj && !adj_ready) s.adj.reset(shape);
    if (s.want_adjt) {
      s.adjt_fresh = fresh_ok_[i];
      if (s.adjt_fresh) {
        s.adjt.resize(with_columns<T>(req.k, shape));
      } else {
        s.adjt.reset(with_columns<T>(req.k, shape));
      }
    }
  }
  Slot<T>& loss = slots_[graph_.loss];
  loss.adj.resize(shapes_[graph_.loss]);
  loss.adj.at(0) = static_cast<T>(req.scale);
  // The loss keeps its curvature term H_ℓ in both modes, unless the residual H − G is asked for.
  loss.adj_on = req.curvature && req.loss_curvature;
  for (int i = n_nodes - 1; i >= 0; --i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op) || !slots_[i].varies) continue;
    OpCall<T> c = call(i, req.k);
    bool feeds_adj = false;
    for (int j = 0; j < c.n_in; ++j) feeds_adj = feeds_adj || c.in(j).want_adj;
    if (!adj_ready && feeds_adj && (slots_[i].want_adj || i == graph_.loss))
      op_rules<T>(n.op).adjoint(c);
    if (req.curvature) {
      op_rules<T>(n.op).adjoint_tangent(c);
      for (int j = 0; j < c.n_in; ++j) zero_if_fresh(c.in(j));  // a rule that wrote nothing
    }
  }
  accumulate_parameters();
}

template <class T>
void EvalContext<T>::accumulate_parameters() {
  const int64_t P = graph_.num_params();
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.op != OpKind::Param) continue;
    const Slot<T>& s = slots_[i];
    if ((s.want_adj && !all_finite(s.adj)) || (s.want_adjt && !all_finite(s.adjt))) {
      throw NumericalError(find_non_finite());
    }
    const Block& b = graph_.blocks[n.block];
    const int64_t size = b.size();
    if (s.want_adj) {
      VecMap<double>(acc_grad_.data() + b.offset, size) +=
          ConstVecMap<T>(s.adj.data(), size).template cast<double>();
    }
    if (s.want_adjt) {
      for (int j = 0; j < req_.k; ++j) {
        VecMap<double>(acc_curv_.data() + j * P + b.offset, size) +=
            ConstVecMap<T>(s.adjt.data() + j * size, size).template cast<double>();
      }
    }
  }
}

template <class T>
void EvalContext<T>::plan_ggn_diagonal() {
  diag_planned_ = true;
  const size_t n = graph_.nodes.size();
  diag_linear_.assign(n, false);
  diag_batched_.assign(n, false);
  diag_any_batched_ = diag_all_batched_ = false;
  std::vector<int> block_uses(graph_.blocks.size(), 0);
  for (const Node& node : graph_.nodes) {
    for (int in : node.inputs) {
      if (graph_.nodes[in].op == OpKind::Param) ++block_uses[graph_.nodes[in].block];
    }
  }
  // Samples stay apart when every varying node's axis 0 is the batch (at batch 2 and 3, with the
  // same trailing shape) and no softmax or normalization runs along it.
  const std::vector<Shape> s2 = infer_shapes(graph_, 2), s3 = infer_shapes(graph_, 3);
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    if (!slots_[i].varies || node.op == OpKind::Param || static_cast<int>(i) == graph_.loss)
      continue;
    const Shape& a = s2[i];
    const Shape& b = s3[i];
    if (a.empty() || a.size() != b.size() || a[0] != 2 || b[0] != 3 ||
        !std::equal(a.begin() + 1, a.end(), b.begin() + 1))
      return;
    if (node.op == OpKind::Softmax || node.op == OpKind::LogSoftmax ||
        node.op == OpKind::LayerNorm) {
      const int64_t rank = static_cast<int64_t>(s2[node.inputs[0]].size());
      const int64_t axis = node.attrs.get_int("axis", -1);
      if (axis == 0 || axis + rank == 0) return;
    }
  }
  if (s2[graph_.nodes[graph_.loss].inputs[0]].size() != 2) return;
  auto own_param = [&](int in) {
    const Node& p = graph_.nodes[in];
    return p.op == OpKind::Param && block_uses[p.block] == 1;
  };
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    if (node.op != OpKind::Linear || s2[node.inputs[0]].size() != 2 || !own_param(node.inputs[1]))
      continue;
    const bool bias = node.inputs.size() > 2 && slots_[node.inputs[2]].varies;
    if (bias && !own_param(node.inputs[2])) continue;
    diag_linear_[i] = true;
    diag_batched_[node.inputs[1]] = true;
    if (bias) diag_batched_[node.inputs[2]] = true;
    diag_any_batched_ = true;
  }
  diag_all_batched_ = true;
  for (size_t i = 0; i < n; ++i) {
    if (graph_.nodes[i].op == OpKind::Param && !diag_batched_[i]) diag_all_batched_ = false;
  }
}

template <class T>
void EvalContext<T>::diagonal_flags(bool per_sample) {
  // A node's adjoint-tangent is needed when a covered parameter feeds it or a node below it: the
  // covered parameters are the per-sample sweep's (not batched) or the batched linear layers'.
  const size_t n = graph_.nodes.size();
  for (size_t i = 0; i < n; ++i) {
    const Node& node = graph_.nodes[i];
    Slot<T>& s = slots_[i];
    s.want_adj = false;
    s.adj_on = false;
    if (node.op == OpKind::Param) {
      s.want_adjt = per_sample && s.varies && !diag_batched_[i];
      continue;
    }
    bool covered = !per_sample && diag_linear_[i];
    for (int in : node.inputs) covered = covered || (slots_[in].want_adjt);
    s.want_adjt = s.varies && covered;
  }
}

template <class T>
BatchStats EvalContext<T>::ggn_diagonal_batch() {
  if (!diag_planned_) plan_ggn_diagonal();
  BatchStats stats;
  bool counted = false;
  if (diag_any_batched_) {
    load_rows(rows_.data(), static_cast<int64_t>(rows_.size()));
    curvature_value_pass(rows_.data(), static_cast<int64_t>(rows_.size()));
    stats.loss_sum = static_cast<double>(slots_[graph_.loss].val.at(0));
    if (!std::isfinite(stats.loss_sum)) throw NumericalError(find_non_finite());
    stats.correct = count_correct();
    counted = true;
    diagonal_flags(false);
    ggn_diagonal_sweep(true);
    if (diag_all_batched_) return stats;
  }
  diagonal_flags(true);
  const std::vector<int64_t> rows = rows_;
  for (const int64_t row : rows) {
    load_rows(&row, 1);
    curvature_value_pass(&row, 1);
    const double loss = static_cast<double>(slots_[graph_.loss].val.at(0));
    if (!std::isfinite(loss)) throw NumericalError(find_non_finite());
    if (!counted) {
      stats.loss_sum += loss;
      stats.correct += count_correct();
    }
    ggn_diagonal_sweep(false);
  }
  return stats;
}

// The C columns of each sample's S seed z̄̇ ([C, B, C]), every op's curvature term is off (adj_on
// false) and no tangent is read, so parameter column c ends as (Jᵀ S)_c for a batch of one sample
// (`batched` false: its squares go to the diagonal), and the batched linear layers square theirs
// per sample (`batched` true).
template <class T>
void EvalContext<T>::ggn_diagonal_sweep(bool batched) {
  const Node& loss = graph_.nodes[graph_.loss];
  const int z = loss.inputs[0];
  const int64_t B = batch_;
  const int64_t C = numel(shapes_[z]) / B;
  const int k = static_cast<int>(C);
  factor_.resize(C * C);
  if (!slots_[z].want_adjt) return;  // no covered parameter feeds the output
  for (int i = 0; i <= z; ++i) {
    Slot<T>& s = slots_[i];
    if (!s.want_adjt) continue;
    const bool param = graph_.nodes[i].op == OpKind::Param;
    const Shape cols =
        with_columns<T>(k, param ? graph_.blocks[graph_.nodes[i].block].shape : shapes_[i]);
    s.adjt.reset(cols);
    s.tan.resize(cols);  // never read with the curvature terms off; sized for the rules' pointers
  }
  T* seed = slots_[z].adjt.data();
  for (int64_t r = 0; r < B; ++r) {
    loss_hessian_factor<T>(loss.op, slots_[graph_.loss], r, C, factor_.data());
    for (int64_t col = 0; col < C; ++col) {
      std::copy(factor_.data() + col * C, factor_.data() + (col + 1) * C, seed + (col * B + r) * C);
    }
  }
  for (int i = z; i >= 0; --i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op) || !slots_[i].want_adjt) continue;
    OpCall<T> c = call(i, k);
    op_rules<T>(n.op).adjoint_tangent(c);
    if (!batched || !diag_linear_[i]) continue;
    if (!all_finite(slots_[i].adjt)) throw NumericalError(find_non_finite());
    const Block& w = graph_.blocks[graph_.nodes[n.inputs[1]].block];
    double* bias = nullptr;
    if (n.inputs.size() > 2 && diag_batched_[n.inputs[2]])
      bias = acc_diag_.data() + graph_.blocks[graph_.nodes[n.inputs[2]].block].offset;
    linear_ggn_diagonal<T>(c, req_.scale, acc_diag_.data() + w.offset, bias);
  }
  if (batched) return;
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.op != OpKind::Param || !slots_[i].want_adjt) continue;
    const Slot<T>& s = slots_[i];
    if (!all_finite(s.adjt)) throw NumericalError(find_non_finite());
    const Block& b = graph_.blocks[n.block];
    double* dst = acc_diag_.data() + b.offset;
    for (int j = 0; j < k; ++j) {
      const T* col = s.adjt.data() + j * b.size();
      for (int64_t e = 0; e < b.size(); ++e) {
        const double d = static_cast<double>(col[e]);
        dst[e] += req_.scale * d * d;
      }
    }
  }
}

template <class T>
void EvalContext<T>::begin(const EvalRequest& req) {
  if (req.k < 0 || (req.k > 0 && !req.directions)) {
    throw std::invalid_argument("EvalContext: directions missing for k = " + std::to_string(req.k));
  }
  if (req.curvature && req.k == 0)
    throw std::invalid_argument("EvalContext: curvature needs k > 0");
  if (req.ggn_diagonal && (req.k > 0 || req.gradient)) {
    throw std::invalid_argument("EvalContext: the GGN diagonal is computed alone (no directions)");
  }
  req_ = req;
  begun_ = true;
  const int64_t P = graph_.num_params();
  acc_grad_.assign(req.gradient ? P : 0, 0.0);
  acc_curv_.assign(req.curvature ? P * req.k : 0, 0.0);
  acc_diag_.assign(req.ggn_diagonal ? P : 0, 0.0);
  if (req.ggn_diagonal) {
    for (Slot<T>& s : slots_) {
      s.want_adj = false;
      s.want_adjt = s.varies;
      s.adj_on = false;
    }
    return;
  }
  const bool hessian_terms = req.curvature && req.kind == Curvature::Hessian;
  // Adjoints of activations are needed for the gradient, and for the Hessian's curvature terms
  // where some op downstream has one; parameter adjoints only for the gradient.
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    Slot<T>& s = slots_[i];
    const bool param = graph_.nodes[i].op == OpKind::Param;
    s.want_adj =
        s.varies && (param ? req.gradient : req.gradient || (hessian_terms && hvp_adj_[i]));
    s.want_adjt = s.varies && req.curvature;
    s.adj_on = s.want_adj && hessian_terms;
  }
  if (req.k > 0) load_directions(req.directions, req.k);
}

template <class T>
BatchStats EvalContext<T>::run_batch() {
  if (!begun_) throw std::invalid_argument("EvalContext::run_batch: begin() was not called");
  if (batch_ <= 0) throw std::invalid_argument("EvalContext::run_batch: no batch set");
  if (req_.ggn_diagonal) return ggn_diagonal_batch();
  const bool keeping = keep_budget_ > 0 && key_ >= 0 && req_.curvature && !req_.gradient;
  const bool hessian_terms = req_.kind == Curvature::Hessian;
  Kept* kept = keeping ? kept_for_batch() : nullptr;
  BatchStats stats;
  bool adj_ready = false;
  if (kept) {
    swap_kept(*kept);
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const OpKind op = graph_.nodes[i].op;
      if (!cache_rebuilt(op)) continue;
      OpCall<T> c = call(static_cast<int>(i), 0);
      op_rules<T>(op).cache(c);
    }
    stats = kept->stats;
    adj_ready = kept->has_adj && kept->scale == req_.scale;
    ++kept_reused_;
  } else {
    if (!loaded_) load_rows(rows_.data(), static_cast<int64_t>(rows_.size()));
    if (req_.curvature) {
      curvature_value_pass(rows_.data(), static_cast<int64_t>(rows_.size()));
    } else {
      value_pass();
    }
    stats.loss_sum = static_cast<double>(slots_[graph_.loss].val.at(0));
    if (!std::isfinite(stats.loss_sum)) throw NumericalError(find_non_finite());
    stats.correct = count_correct();
  }
  if (req_.k > 0) tangent_pass(req_.k);
  if (req_.gradient || req_.curvature) reverse_sweep(req_, adj_ready && hessian_terms);
  if (kept) {
    swap_kept(*kept);
    kept->has_adj = adj_ready || hessian_terms;
    kept->scale = req_.scale;
  } else if (keeping) {
    keep_batch(hessian_terms, stats);
  }
  return stats;
}

template <class T>
void EvalContext<T>::finish(const EvalOutput& out) {
  if (!begun_) throw std::invalid_argument("EvalContext::finish: begin() was not called");
  begun_ = false;
  const EvalRequest& req = req_;
  if ((req.gradient && !out.grad) || (req.curvature && !out.curv) ||
      (req.ggn_diagonal && !out.diag)) {
    throw std::invalid_argument("EvalContext::finish: output buffer missing");
  }
  auto add = [](const std::vector<double>& acc, double* dst) {
    for (size_t i = 0; i < acc.size(); ++i) dst[i] += acc[i];
  };
  if (req.gradient) add(acc_grad_, out.grad);
  if (req.curvature) add(acc_curv_, out.curv);
  if (req.ggn_diagonal) add(acc_diag_, out.diag);
}

template <class T>
BatchStats EvalContext<T>::run(const EvalRequest& req, const EvalOutput& out) {
  if ((req.gradient && !out.grad) || (req.curvature && !out.curv) ||
      (req.ggn_diagonal && !out.diag)) {
    throw std::invalid_argument("EvalContext::run: output buffer missing");
  }
  begin(req);
  const BatchStats stats = run_batch();
  finish(out);
  return stats;
}

template <class T>
int64_t EvalContext<T>::count_correct() const {
  if (graph_.label < 0 || graph_.label_kind != LabelKind::Class) return 0;
  const Tensor<T>& y = slots_[graph_.output].val;
  if (y.rank() != 2 || y.dim(0) != batch_) return 0;
  const int64_t C = y.dim(1);
  const std::vector<int64_t>& labels = slots_[graph_.label].idx;
  int64_t correct = 0;
  for (int64_t r = 0; r < batch_; ++r) {
    const T* row = y.data() + r * C;
    int64_t best = 0;
    for (int64_t c = 1; c < C; ++c) {
      if (row[c] > row[best]) best = c;
    }
    correct += best == labels[r];
  }
  return correct;
}

template <class T>
std::string EvalContext<T>::find_non_finite() const {
  struct Pass {
    const char* name;
    Tensor<T> Slot<T>::*member;
  };
  const Pass passes[] = {{"value", &Slot<T>::val},
                         {"tangent", &Slot<T>::tan},
                         {"adjoint", &Slot<T>::adj},
                         {"adjoint-tangent", &Slot<T>::adjt}};
  for (const Pass& p : passes) {
    const bool reverse = p.member == &Slot<T>::adj || p.member == &Slot<T>::adjt;
    const int n = static_cast<int>(graph_.nodes.size());
    for (int step = 0; step < n; ++step) {
      const int i = reverse ? n - 1 - step : step;
      const Node& node = graph_.nodes[i];
      const Tensor<T>& t = slots_[i].*p.member;
      if (!all_finite(t)) {
        return "non-finite " + std::string(p.name) + " (NaN or Inf) at node '" + node.name + "' (" +
               std::string(name_of(node.op)) + ")";
      }
    }
  }
  return "non-finite result (NaN or Inf)";
}

template class EvalContext<float>;
template class EvalContext<double>;

}  // namespace hess
