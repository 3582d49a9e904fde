#include "engine/objective.h"

#include "engine/compute_batch.h"
#include "engine/field_error.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <thread>

namespace hess {

void ObjectiveOptions::validate() const {
  require_at_least("batch_size", batch_size, int64_t{1});
  require_at_least("threads", threads, 1);
  require_non_negative_finite("weight_decay", weight_decay);
  require_at_least("keep_bytes", keep_bytes, int64_t{0});
  require_at_least("column_group_bytes", column_group_bytes, int64_t{1});
}

Evaluation Objective::value() {
  EvalRequest req;
  return evaluate(req, {});
}

Evaluation Objective::gradient(double* g) {
  EvalRequest req;
  req.gradient = true;
  return evaluate(req, {g, nullptr});
}

int column_group(int64_t num_params, int64_t bytes) {
  const int64_t per_column = kColumnGroupBytesPerParam * std::max<int64_t>(num_params, 1);
  return static_cast<int>(std::clamp<int64_t>(bytes / per_column, 1, 1 << 20));
}

void Objective::curvature(const double* V, int k, double* CV, Curvature kind) {
  EvalRequest req;
  req.curvature = true;
  req.kind = kind;
  columns(req, V, k, CV);
}

void Objective::residual(const double* V, int k, double* RV) {
  EvalRequest req;
  req.curvature = true;
  req.kind = Curvature::Hessian;
  req.loss_curvature = false;
  columns(req, V, k, RV);
}

void Objective::columns(EvalRequest req, const double* V, int k, double* out) {
  const int64_t P = num_params();
  const bool may_keep = options().keep_bytes > 0 && !options().reduction;
  const int group = may_keep ? column_group(P, options().column_group_bytes) : k;
  for (int done = 0; done < k;) {
    const KeptBatches kept_now = kept();
    const bool all_kept = kept_now.total > 0 && kept_now.batches == kept_now.total;
    const int n = done == 0 || all_kept ? std::min(group, k - done) : k - done;
    req.directions = V + static_cast<int64_t>(done) * P;
    req.k = n;
    evaluate(req, {nullptr, out + static_cast<int64_t>(done) * P});
    done += n;
  }
}

void Objective::ggn_diagonal(double* d) {
  EvalRequest req;
  req.ggn_diagonal = true;
  EvalOutput out;
  out.diag = d;
  evaluate(req, out);
}

void check_data_fits(const Graph& graph, const Dataset& data) {
  if (data.sample_shape != graph.input_shape) {
    throw std::invalid_argument("data samples have shape " + to_string(data.sample_shape) +
                                " but the model's input is " + to_string(graph.input_shape));
  }
  const int64_t n = data.size();
  if (n <= 0) throw std::invalid_argument("data set is empty");
  if (graph.label_kind == LabelKind::Class) {
    if (static_cast<int64_t>(data.labels.size()) != n) {
      throw std::invalid_argument(
          "the model needs class labels, the data has " +
          (data.labels.empty() ? std::string("none") : std::to_string(data.labels.size())));
    }
    const std::vector<Shape> shapes = infer_shapes(graph, 1);
    const Shape& out = shapes[graph.output];
    const int64_t classes = out.size() == 2 ? out[1] : 0;
    for (int64_t i = 0; i < n; ++i) {
      if (data.labels[i] < 0 || (classes > 0 && data.labels[i] >= classes)) {
        throw std::invalid_argument("label " + std::to_string(data.labels[i]) + " of sample " +
                                    std::to_string(i) + " is out of range for " +
                                    std::to_string(classes) + " classes");
      }
    }
  } else {
    if (data.target_dim != graph.target_dim ||
        static_cast<int64_t>(data.targets.size()) != n * data.target_dim) {
      throw std::invalid_argument("the model needs " + std::to_string(graph.target_dim) +
                                  " real targets per sample, the data has " +
                                  std::to_string(data.target_dim));
    }
  }
  const float* x = data.values();
  for (size_t i = 0; i < data.num_values(); ++i) {
    if (!std::isfinite(x[i])) {
      throw std::invalid_argument("X holds a non-finite value at sample " +
                                  std::to_string(i / numel(data.sample_shape)));
    }
  }
}

namespace {

template <class T>
class DatasetObjective final : public Objective {
 public:
  DatasetObjective(const Graph& graph, const Dataset& data, std::vector<int64_t> rows,
                   const ObjectiveOptions& opt)
      : graph_(graph), data_(data), rows_(std::move(rows)), opt_(opt), P_(graph.num_params()) {
    opt_.validate();
    graph_.validate();
    check_data_fits(graph_, data_);
    batch_ = compute_batch(graph_, opt_.batch_size, sizeof(T));
    theta_.assign(P_, 0.0);
    set_rows(std::move(rows_));
  }

  const Graph& graph() const override { return graph_; }
  int64_t num_params() const override { return P_; }
  int64_t num_samples() const override { return static_cast<int64_t>(rows_.size()); }
  Precision precision() const override {
    return std::is_same_v<T, float> ? Precision::F32 : Precision::F64;
  }
  const ObjectiveOptions& options() const override { return opt_; }
  int64_t compute_batch_size() const override { return batch_; }
  KeptBatches kept() const override {
    KeptBatches sum;
    for (int t = 0; t < threads_; ++t) {
      const KeptBatches k = contexts_[t]->kept();
      sum.batches += k.batches;
      sum.bytes += k.bytes;
      sum.reused += k.reused;
    }
    sum.total = batches_;
    return sum;
  }

  void set_parameters(const std::vector<double>& theta) override {
    if (static_cast<int64_t>(theta.size()) != P_) {
      throw std::invalid_argument("parameter vector has " + std::to_string(theta.size()) +
                                  " entries, the model " + std::to_string(P_));
    }
    theta_ = theta;
    for (auto& ctx : contexts_) ctx->set_parameters(theta_.data());
  }
  const std::vector<double>& parameters() const override { return theta_; }

  void set_rows(std::vector<int64_t> rows) override {
    if (rows.empty()) throw std::invalid_argument("the analysis set is empty");
    for (int64_t r : rows) {
      if (r < 0 || r >= data_.size())
        throw std::invalid_argument("sample index " + std::to_string(r) + " out of range");
    }
    rows_ = std::move(rows);
    const int64_t n = static_cast<int64_t>(rows_.size());
    shard_ =
        opt_.reduction ? shard_of(n, opt_.reduction->rank(), opt_.reduction->size()) : Shard{0, n};
    const int64_t batches = (shard_.last - shard_.first + batch_ - 1) / batch_;
    threads_ = static_cast<int>(std::min<int64_t>(opt_.threads, batches));
    while (static_cast<int>(contexts_.size()) < threads_) {
      contexts_.push_back(std::make_unique<EvalContext<T>>(graph_));
      contexts_.back()->set_parameters(theta_.data());
    }
    for (auto& ctx : contexts_) ctx->keep_batches(opt_.keep_bytes / threads_);
    batches_ = batches;
    if (static_cast<int>(buffers_.size()) < threads_) buffers_.resize(threads_);
  }

  Evaluation evaluate(const EvalRequest& request, const EvalOutput& out) override {
    EvalRequest req = request;
    const int64_t N = num_samples();
    req.scale = 1.0 / static_cast<double>(N);
    const int64_t local = shard_.last - shard_.first;
    const int64_t* local_rows = rows_.data() + shard_.first;
    const int64_t nb = (local + batch_ - 1) / batch_;
    const size_t grad_len = req.gradient ? P_ : 0;
    const size_t curv_len = req.curvature ? static_cast<size_t>(P_) * req.k : 0;
    const size_t diag_len = req.ggn_diagonal ? P_ : 0;

    std::vector<BatchStats> stats(threads_);
    std::vector<std::exception_ptr> errors(threads_);
    auto work = [&](int t) {
      try {
        Buffers& b = buffers_[t];
        b.grad.assign(grad_len, 0.0);
        b.curv.assign(curv_len, 0.0);
        b.diag.assign(diag_len, 0.0);
        EvalContext<T>& ctx = *contexts_[t];
        const int64_t first = nb * t / threads_, last = nb * (t + 1) / threads_;
        ctx.begin(req);
        for (int64_t bi = first; bi < last; ++bi) {
          const int64_t begin = bi * batch_;
          const int64_t count = std::min(batch_, local - begin);
          ctx.set_batch(data_, local_rows + begin, count, bi - first);
          const BatchStats s = ctx.run_batch();
          stats[t].loss_sum += s.loss_sum;
          stats[t].correct += s.correct;
        }
        ctx.finish({b.grad.data(), b.curv.data(), b.diag.data()});
      } catch (...) {
        errors[t] = std::current_exception();
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads_; ++t) pool.emplace_back(work, t);
    if (threads_ > 0) work(0);
    for (auto& th : pool) th.join();
    std::exception_ptr error;
    for (auto& e : errors) {
      if (e && !error) error = e;
    }
    if (error && !opt_.reduction) std::rethrow_exception(error);

    // The sums over this process' threads, in thread order: into the caller's arrays, or into the
    // packet the reduction adds over ranks.
    double* grad = out.grad;
    double* curv = out.curv;
    double* diag = out.diag;
    if (opt_.reduction) {
      packet_.assign(2 + grad_len + curv_len + diag_len, 0.0);
      grad = packet_.data() + 2;
      curv = grad + grad_len;
      diag = curv + curv_len;
    }
    double loss = 0.0;
    int64_t correct = 0;
    if (!error) {
      for (int t = 0; t < threads_; ++t) {
        loss += stats[t].loss_sum;
        correct += stats[t].correct;
      }
      for (size_t i = 0; i < grad_len; ++i) {
        double s = 0.0;
        for (int t = 0; t < threads_; ++t) s += buffers_[t].grad[i];
        grad[i] = s;
      }
      for (size_t i = 0; i < curv_len; ++i) {
        double s = 0.0;
        for (int t = 0; t < threads_; ++t) s += buffers_[t].curv[i];
        curv[i] = s;
      }
      for (size_t i = 0; i < diag_len; ++i) {
        double s = 0.0;
        for (int t = 0; t < threads_; ++t) s += buffers_[t].diag[i];
        diag[i] = s;
      }
    }
    if (opt_.reduction) {
      packet_[0] = loss;
      packet_[1] = static_cast<double>(correct);
      opt_.reduction->sum(packet_.data(), packet_.size(), error);
      loss = packet_[0];
      correct = static_cast<int64_t>(packet_[1]);
      std::copy(grad, grad + grad_len, out.grad);
      std::copy(curv, curv + curv_len, out.curv);
      std::copy(diag, diag + diag_len, out.diag);
    }

    loss /= static_cast<double>(N);
    const double lambda = opt_.weight_decay;
    if (lambda > 0) {
      double sq = 0.0;
      for (double v : theta_) sq += v * v;
      loss += 0.5 * lambda * sq;
    }
    for (size_t i = 0; i < grad_len; ++i) out.grad[i] += lambda * theta_[i];
    const double shift = req.loss_curvature ? lambda : 0.0;  // λI is part of G
    for (size_t i = 0; i < curv_len; ++i) out.curv[i] += shift * req.directions[i];
    for (size_t i = 0; i < diag_len; ++i) out.diag[i] += lambda;
    ++counters_.passes;
    if (req.gradient) ++counters_.gradients;
    if (req.curvature) counters_.curvature += req.k;
    if (req.ggn_diagonal) ++counters_.diagonals;
    if (!req.gradient && !req.curvature && !req.ggn_diagonal) ++counters_.values;
    Evaluation ev;
    ev.loss = loss;
    ev.accuracy = graph_.label_kind == LabelKind::Class
                      ? static_cast<double>(correct) / static_cast<double>(N)
                      : 0.0;
    return ev;
  }

 private:
  struct Buffers {
    std::vector<double> grad, curv, diag;
  };
  const Graph& graph_;
  const Dataset& data_;
  std::vector<int64_t> rows_;
  ObjectiveOptions opt_;
  int64_t P_;
  int64_t batch_ = 1;  // the compute batch (engine/compute_batch.h), at most opt_.batch_size
  int threads_ = 1;
  int64_t batches_ = 0;         // batches of a pass over this process' rows
  Shard shard_;                 // this process' rows of rows_
  std::vector<double> packet_;  // loss, correct, gradient and products, summed over ranks
  std::vector<std::unique_ptr<EvalContext<T>>> contexts_;
  std::vector<Buffers> buffers_;
  std::vector<double> theta_;
};

}  // namespace

std::unique_ptr<Objective> make_objective(const Graph& graph, const Dataset& data,
                                          std::vector<int64_t> rows,
                                          const ObjectiveOptions& options, Precision precision) {
  if (precision == Precision::F32) {
    return std::make_unique<DatasetObjective<float>>(graph, data, std::move(rows), options);
  }
  return std::make_unique<DatasetObjective<double>>(graph, data, std::move(rows), options);
}

}  // namespace hess
