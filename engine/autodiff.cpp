#include "engine/autodiff.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "engine/numerical_error.h"
#include "engine/op_registry.h"
#include "engine/ops/loss.h"

namespace hess {

namespace {
bool is_source(OpKind k) {
  return k == OpKind::Input || k == OpKind::Label || k == OpKind::Param || k == OpKind::Constant;
}

template <class T>
bool all_finite(const Tensor<T>& t) {
  for (T v : t) {
    if (!std::isfinite(v)) return false;
  }
  return true;
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
    : graph_(graph), slots_(graph.nodes.size()), hvp_adj_(graph.nodes.size(), false) {
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
}

template <class T>
void EvalContext<T>::set_batch(const Dataset& data, const int64_t* rows, int64_t count) {
  data_ = &data;
  rows_.assign(rows, rows + count);
  load_rows(rows, count);
}

template <class T>
void EvalContext<T>::load_rows(const int64_t* rows, int64_t count) {
  const Dataset& data = *data_;
  if (count != batch_) {
    shapes_ = infer_shapes(graph_, count);
    batch_ = count;
  }
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
void EvalContext<T>::reverse_sweep(const EvalRequest& req) {
  const int n_nodes = static_cast<int>(graph_.nodes.size());
  for (int i = 0; i < n_nodes; ++i) {
    Slot<T>& s = slots_[i];
    const Shape& shape = graph_.nodes[i].op == OpKind::Param
                             ? graph_.blocks[graph_.nodes[i].block].shape
                             : shapes_[i];
    if (s.want_adj) s.adj.reset(shape);
    if (s.want_adjt) s.adjt.reset(with_columns<T>(req.k, shape));
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
    if (feeds_adj && (slots_[i].want_adj || i == graph_.loss)) op_rules<T>(n.op).adjoint(c);
    if (req.curvature) op_rules<T>(n.op).adjoint_tangent(c);
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
    if (s.want_adj) {
      double* dst = acc_grad_.data() + b.offset;
      for (int64_t e = 0; e < b.size(); ++e) dst[e] += static_cast<double>(s.adj.at(e));
    }
    if (s.want_adjt) {
      for (int j = 0; j < req_.k; ++j) {
        double* dst = acc_curv_.data() + j * P + b.offset;
        const T* src = s.adjt.data() + j * b.size();
        for (int64_t e = 0; e < b.size(); ++e) dst[e] += static_cast<double>(src[e]);
      }
    }
  }
}

template <class T>
BatchStats EvalContext<T>::ggn_diagonal_batch() {
  const std::vector<int64_t> rows = rows_;
  BatchStats stats;
  for (const int64_t row : rows) {
    load_rows(&row, 1);
    value_pass();
    const double loss = static_cast<double>(slots_[graph_.loss].val.at(0));
    if (!std::isfinite(loss)) throw NumericalError(find_non_finite());
    stats.loss_sum += loss;
    stats.correct += count_correct();
    ggn_diagonal_sweep();
  }
  return stats;
}

// One sample: the C columns of S seed z̄̇, every op's curvature term is off (adj_on false) and
// no tangent is read, so parameter column c ends as (Jᵀ S)_c; its squares go to the diagonal.
template <class T>
void EvalContext<T>::ggn_diagonal_sweep() {
  const Node& loss = graph_.nodes[graph_.loss];
  const int z = loss.inputs[0];
  const int64_t C = numel(shapes_[z]);
  const int k = static_cast<int>(C);
  factor_.resize(C * C);
  loss_hessian_factor<T>(loss.op, slots_[graph_.loss], 0, C, factor_.data());
  for (int i = 0; i <= z; ++i) {
    Slot<T>& s = slots_[i];
    if (!s.want_adjt) continue;
    const bool param = graph_.nodes[i].op == OpKind::Param;
    const Shape cols =
        with_columns<T>(k, param ? graph_.blocks[graph_.nodes[i].block].shape : shapes_[i]);
    s.adjt.reset(cols);
    s.tan.resize(cols);  // never read with the curvature terms off; sized for the rules' pointers
  }
  std::copy(factor_.begin(), factor_.end(), slots_[z].adjt.data());
  for (int i = z; i >= 0; --i) {
    const Node& n = graph_.nodes[i];
    if (is_source(n.op) || !slots_[i].varies) continue;
    OpCall<T> c = call(i, k);
    op_rules<T>(n.op).adjoint_tangent(c);
  }
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const Node& n = graph_.nodes[i];
    if (n.op != OpKind::Param) continue;
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
  value_pass();
  BatchStats stats;
  stats.loss_sum = static_cast<double>(slots_[graph_.loss].val.at(0));
  if (!std::isfinite(stats.loss_sum)) throw NumericalError(find_non_finite());
  stats.correct = count_correct();
  if (req_.k > 0) tangent_pass(req_.k);
  if (req_.gradient || req_.curvature) reverse_sweep(req_);
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
