#include "analyzers/sensitivity.h"

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <stdexcept>

#include "analyzers/checked_operator.h"
#include "analyzers/eigen.h"
#include "analyzers/parameter_guard.h"
#include "analyzers/quant_blocks.h"
#include "analyzers/stopwatch.h"
#include "analyzers/trace.h"
#include "engine/curvature_operator.h"
#include "engine/field_error.h"
#include "engine/numerical_error.h"
#include "engine/random.h"

namespace hess {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Seed streams of the per-block spectral runs.
constexpr uint64_t kLambdaStream = 1;
constexpr uint64_t kTraceStream = 2;

std::string list_ints(const std::vector<int>& v) {
  std::string s;
  for (int x : v) s += (s.empty() ? "" : ", ") + std::to_string(x);
  return s;
}

// λmax and tr of the dense block H_ii (n_i products).
void dense_spectrum(const RestrictedOperator& R, BlockSensitivity& b) {
  const Eigen::MatrixXd A = assemble_dense(R);
  const Eigen::MatrixXd S = (A + A.transpose()) / 2;
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(S);
  const Eigen::Index top = S.rows() - 1;
  b.lambda_max = es.eigenvalues()(top);
  b.lambda_residual =
      (A * es.eigenvectors().col(top) - b.lambda_max * es.eigenvectors().col(top)).norm();
  b.trace = A.trace();
  b.trace_stderr = 0.0;
  b.trace_probes = 0;
}

// Average ranks (1-based) of the values, ties sharing the mean of their ranks.
std::vector<double> average_ranks(const std::vector<double>& v) {
  std::vector<size_t> order(v.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> rank(v.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && v[order[j + 1]] == v[order[i]]) ++j;
    const double mean = 0.5 * static_cast<double>(i + j) + 1.0;
    for (size_t k = i; k <= j; ++k) rank[order[k]] = mean;
    i = j + 1;
  }
  return rank;
}

}  // namespace

void SensitivityOptions::validate() const {
  if (bits.empty()) throw FieldError("bits", "none given");
  std::set<int> seen;
  for (int b : bits) {
    if (b < kMinBits || b > kMaxBits) {
      throw FieldError("bits", "must be between " + std::to_string(kMinBits) + " and " +
                                   std::to_string(kMaxBits) + ", got " + std::to_string(b));
    }
    if (!seen.insert(b).second) throw FieldError("bits", ": " + std::to_string(b) + " given twice");
  }
  if (trace_min_probes < 2) {
    throw FieldError("trace_min_probes",
                     "at least 2 for a standard error, got " + std::to_string(trace_min_probes));
  }
  if (trace_probes < trace_min_probes) {
    throw FieldError("trace_probes", "must be at least {trace_min_probes} (" +
                                         std::to_string(trace_min_probes) + "), got " +
                                         std::to_string(trace_probes));
  }
  if (!std::isfinite(trace_rtol) || trace_rtol < 0)
    throw FieldError("trace_rtol", "must be finite and ≥ 0");
  if (lambda_iterations < 1) throw FieldError("lambda_iterations", "must be at least 1");
  if (!std::isfinite(lambda_tol) || lambda_tol <= 0)
    throw FieldError("lambda_tol", "must be positive and finite");
  if (columns < 1) throw FieldError("columns", "must be at least 1");
  if (rank_bits != 0 && !seen.count(rank_bits)) {
    throw FieldError("rank_bits", ": " + std::to_string(rank_bits) + " is not among {bits} (" +
                                      list_ints(bits) + ")");
  }
  auto needs = [&](SensitivityCriterion c, bool on, const char* field) {
    if (rank_by == c && !on) {
      throw FieldError("rank_by", std::string(name_of(c)) + " needs {" + field + "}");
    }
  };
  needs(SensitivityCriterion::Lambda, lambda, "lambda");
  needs(SensitivityCriterion::Trace, trace, "trace");
  needs(SensitivityCriterion::Omega, trace, "trace");
  needs(SensitivityCriterion::Measured, measure, "measure");
}

double criterion_value(const SensitivityResult& r, SensitivityCriterion criterion, size_t i,
                       size_t w) {
  const BlockSensitivity& b = r.blocks.at(i);
  const double n = static_cast<double>(b.params);
  switch (criterion) {
    case SensitivityCriterion::Lambda:
      return b.lambda_max / n;
    case SensitivityCriterion::Trace:
      return b.trace / n;
    case SensitivityCriterion::Omega:
      return b.omega.at(w);
    case SensitivityCriterion::Predicted:
      return b.predicted_dloss.at(w);
    case SensitivityCriterion::Measured:
      return b.measured_dloss.at(w);
  }
  return kNaN;
}

double spearman(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("spearman: series of different lengths");
  std::vector<double> x, y;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) continue;
    x.push_back(a[i]);
    y.push_back(b[i]);
  }
  if (x.size() < 2) return kNaN;
  const std::vector<double> rx = average_ranks(x), ry = average_ranks(y);
  const double mean = 0.5 * static_cast<double>(x.size() + 1);
  double sxy = 0.0, sxx = 0.0, syy = 0.0;
  for (size_t i = 0; i < rx.size(); ++i) {
    sxy += (rx[i] - mean) * (ry[i] - mean);
    sxx += (rx[i] - mean) * (rx[i] - mean);
    syy += (ry[i] - mean) * (ry[i] - mean);
  }
  if (sxx == 0.0 || syy == 0.0) return kNaN;
  return sxy / std::sqrt(sxx * syy);
}

SensitivityResult run(const SensitivityOptions& options, Objective& objective) {
  options.validate();
  const Stopwatch clock;
  const Graph& graph = objective.graph();
  const QuantBlocks q = select_quant_blocks(graph, options.layers, options.ties, options.all_roles);
  const int64_t P = objective.num_params();
  const ObjectiveCounters before = objective.counters();
  ParameterGuard guard({&objective});
  const std::vector<double>& theta = guard.saved();

  SensitivityResult r;
  r.bits = options.bits;
  std::sort(r.bits.begin(), r.bits.end());
  r.granularity = options.granularity;
  r.rank_by = options.rank_by;
  r.rank_bits = options.rank_bits != 0 ? options.rank_bits : r.bits.front();
  r.units = q.units;
  const size_t nw = r.bits.size();
  for (size_t i = 0; i < q.blocks.size(); ++i) {
    const Block& blk = graph.blocks[q.blocks[i]];
    BlockSensitivity b;
    b.name = blk.name;
    b.block = q.blocks[i];
    b.params = blk.size();
    b.unit = q.unit_of[i];
    b.perturbation.assign(nw, kNaN);
    b.omega.assign(nw, kNaN);
    b.predicted_dloss.assign(nw, kNaN);
    b.gradient_dloss.assign(nw, kNaN);
    b.measured_dloss.assign(nw, kNaN);
    r.blocks.push_back(std::move(b));
  }
  auto note = [&](Status s, const std::string& message) {
    if (r.status == Status::Ok || s == Status::NonFinite) r.status = s;
    r.message += (r.message.empty() ? "" : "; ") + message;
  };

  const ObjectiveOperator H(objective, Curvature::Hessian);
  const CheckedOperator A(H);
  auto finish = [&]() -> SensitivityResult& {
    r.hvps = A.applications();
    r.passes = objective.counters().passes - before.passes;
    r.seconds = clock.seconds();
    return r;
  };

  // The quantized blocks Ŵ(b) and the gradient.
  std::vector<std::vector<std::vector<double>>> quantized(r.blocks.size());
  for (size_t i = 0; i < r.blocks.size(); ++i) {
    const Block& blk = graph.blocks[r.blocks[i].block];
    const std::span<const double> w(theta.data() + blk.offset, blk.size());
    for (size_t k = 0; k < nw; ++k) {
      quantized[i].push_back(quantize(w, blk.shape, r.bits[k], options.granularity));
      r.blocks[i].perturbation[k] = squared_distance(quantized[i][k], w);
    }
  }
  Eigen::VectorXd g(P);
  try {
    r.loss = objective.gradient(g.data()).loss;
    r.gradient_norm = g.norm();
  } catch (const NumericalError& e) {
    note(Status::NonFinite, std::string("at theta: ") + e.what());
    return finish();
  }

  // predicted_dloss: one product per (block, width), `columns` at a time.
  {
    std::vector<std::pair<size_t, size_t>> pairs;
    for (size_t i = 0; i < r.blocks.size(); ++i) {
      for (size_t k = 0; k < nw; ++k) pairs.emplace_back(i, k);
    }
    Eigen::MatrixXd D, HD;
    for (size_t start = 0; start < pairs.size(); start += options.columns) {
      const size_t m = std::min<size_t>(options.columns, pairs.size() - start);
      D.setZero(P, static_cast<Eigen::Index>(m));
      for (size_t j = 0; j < m; ++j) {
        const auto [i, k] = pairs[start + j];
        const Block& blk = graph.blocks[r.blocks[i].block];
        for (int64_t t = 0; t < blk.size(); ++t) {
          D(blk.offset + t, j) = quantized[i][k][t] - theta[blk.offset + t];
        }
      }
      try {
        A.apply(D, HD);
      } catch (const NumericalError& e) {
        note(Status::NonFinite, std::string("predicted_dloss: ") + e.what());
        break;
      }
      for (size_t j = 0; j < m; ++j) {
        const auto [i, k] = pairs[start + j];
        r.blocks[i].gradient_dloss[k] = g.dot(D.col(j));
        r.blocks[i].predicted_dloss[k] =
            r.blocks[i].gradient_dloss[k] + 0.5 * D.col(j).dot(HD.col(j));
      }
    }
  }

  // measured_dloss: one loss pass per (block, width).
  if (options.measure) {
    std::vector<double> point = theta;
    for (size_t i = 0; i < r.blocks.size(); ++i) {
      const Block& blk = graph.blocks[r.blocks[i].block];
      for (size_t k = 0; k < nw; ++k) {
        std::copy(quantized[i][k].begin(), quantized[i][k].end(), point.begin() + blk.offset);
        objective.set_parameters(point);
        try {
          r.blocks[i].measured_dloss[k] = objective.value().loss - r.loss;
        } catch (const NumericalError& e) {
          note(Status::NonFinite, "measured_dloss of " + r.blocks[i].name + " at " +
                                      std::to_string(r.bits[k]) + " bits: " + e.what());
        }
      }
      std::copy(theta.begin() + blk.offset, theta.begin() + blk.offset + blk.size(),
                point.begin() + blk.offset);
    }
    objective.set_parameters(theta);
  }

  // λmax(H_ii) and tr(H_ii) on the restricted operators.
  if (options.lambda || options.trace) {
    const Rng base(options.seed);
    for (size_t i = 0; i < r.blocks.size(); ++i) {
      BlockSensitivity& b = r.blocks[i];
      const RestrictedOperator R(A, graph, {b.block});
      try {
        if (b.params <= kDenseSpectrumBlock) {
          dense_spectrum(R, b);
        } else {
          if (options.lambda) {
            EigenOptions eo;
            eo.k = 1;
            eo.which = Which::Largest;
            eo.tol = options.lambda_tol;
            eo.max_iterations = options.lambda_iterations;
            eo.seed = base.split(kLambdaStream).split(i).next();
            const EigenResult e = run(eo, R);
            if (e.status != Status::Ok) note(e.status, b.name + " lambda_max: " + e.message);
            if (e.eigenvalues.size() > 0) {
              b.lambda_max = e.eigenvalues(0);
              b.lambda_residual = e.residuals(0);
            }
          }
          if (options.trace) {
            TraceOptions to;
            to.method = TraceMethod::Hutchinson;
            to.min_probes = options.trace_min_probes;
            to.max_probes = options.trace_probes;
            to.rtol = options.trace_rtol;
            to.block = options.columns;
            to.seed = base.split(kTraceStream).split(i).next();
            const TraceResult t = run(to, R);
            if (t.status != Status::Ok) note(t.status, b.name + " trace: " + t.message);
            if (t.status != Status::NonFinite) {
              b.trace = t.trace;
              b.trace_stderr = t.std_error;
              b.trace_probes = t.probes;
            }
          }
        }
      } catch (const NumericalError& e) {
        note(Status::NonFinite, b.name + ": " + e.what());
      }
      if (!options.lambda) b.lambda_max = b.lambda_residual = kNaN;
      if (!options.trace) b.trace = b.trace_stderr = kNaN;
      for (size_t k = 0; k < nw; ++k) {
        b.omega[k] = b.trace / static_cast<double>(b.params) * b.perturbation[k];
      }
    }
  }

  // Ranking: most sensitive first, NaN last.
  const size_t wk =
      static_cast<size_t>(std::find(r.bits.begin(), r.bits.end(), r.rank_bits) - r.bits.begin());
  std::vector<double> key(r.blocks.size());
  for (size_t i = 0; i < key.size(); ++i) key[i] = criterion_value(r, r.rank_by, i, wk);
  r.ranking.resize(r.blocks.size());
  std::iota(r.ranking.begin(), r.ranking.end(), 0);
  std::stable_sort(r.ranking.begin(), r.ranking.end(), [&](int a, int b) {
    if (std::isnan(key[a]) || std::isnan(key[b])) return !std::isnan(key[a]) && std::isnan(key[b]);
    return key[a] > key[b];
  });
  return finish();
}

}  // namespace hess
