#include "runs/sensitivity_run.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>

#include "analyzers/quant_blocks.h"
#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "io/model_file.h"
#include "io/record_hdf5.h"
#include "runs/observed_objective.h"

namespace hess::runs {

namespace {

constexpr int kLossDigits = 4;
// Lanczos passes per block, roughly (the progress line's estimate only).
constexpr int64_t kLanczosPassesPerBlock = 40;
// A uniform width fits the budget up to this relative slack (the knapsack's own rounding).
constexpr double kUniformBudgetRelTol = 1e-12;

// The criteria whose rank correlation with the measured change is reported, by their allocation
// cost (lambda and trace scale with ‖ΔW‖² there, as HAWQ uses them; trace's cost is omega).
constexpr SensitivityCriterion kCorrelated[] = {
    SensitivityCriterion::Lambda, SensitivityCriterion::Omega, SensitivityCriterion::Predicted};

std::string bits_text(const std::vector<int>& bits) {
  std::string t;
  for (int b : bits) {
    if (!t.empty()) t += ',';
    t += std::to_string(b);
  }
  return t;
}

std::vector<int64_t> as_int64(const std::vector<int>& v) {
  return {v.begin(), v.end()};
}

// About how many passes the study and the allocation take, for the ETA.
int64_t expected_passes(const SensitivityOptions& o, const AllocationOptions& a, int64_t blocks) {
  const int64_t widths = static_cast<int64_t>(o.bits.size());
  int64_t n = 1 + (blocks * widths + o.columns - 1) / o.columns;
  if (o.lambda) n += blocks * kLanczosPassesPerBlock;
  if (o.trace) n += blocks * ((o.trace_probes + o.columns - 1) / o.columns);
  if (o.measure) n += blocks * widths;
  const int64_t allocations = (a.budget.empty() ? 0 : 2) + a.pareto_points;
  return n + 3 * allocations;
}

// The best allocation giving every block one width within `budget`: the widest that fits.
std::optional<Allocation> uniform_within(const SensitivityResult& s, const Budget& budget,
                                         const AllocationOptions& o, Objective& objective) {
  std::vector<int> blocks;
  for (const BlockSensitivity& b : s.blocks) blocks.push_back(b.block);
  for (auto b = s.bits.rbegin(); b != s.bits.rend(); ++b) {
    if (uniform_budget_value(objective.graph(), blocks, *b, budget.kind, o.activation_bits) <=
        budget.value * (1.0 + kUniformBudgetRelTol)) {
      return evaluate_allocation(s, std::vector<int>(s.blocks.size(), *b), objective, o.criterion,
                                 o.measure, o.activation_bits);
    }
  }
  return std::nullopt;
}

bool same_file(const std::string& a, const std::string& b) {
  std::error_code ec;
  return !a.empty() && !b.empty() && std::filesystem::exists(a, ec) &&
         std::filesystem::exists(b, ec) && std::filesystem::equivalent(a, b, ec);
}

void check_quantized_path(const SensitivityRun& run) {
  if (run.write_quantized.empty()) return;
  if (run.allocation.budget.empty())
    throw FieldError("write_quantized", "needs an allocation: give {budget}");
  for (const std::string& other : {run.inputs.model, run.inputs.data, run.output.out}) {
    if (run.write_quantized == other || same_file(run.write_quantized, other))
      throw FieldError("write_quantized", ": " + run.write_quantized +
                                              " is an input or the result file; name a new file");
  }
}

void add_allocation_fields(Record& r, const Allocation& a, const std::string& prefix, bool show) {
  auto field = [&](const std::string& key, double v, int digits, const std::string& label) {
    Field& f = r.add(prefix + key, v);
    if (show) f.show(label, digits);
  };
  field("size_bytes", a.size_bytes, 8, "size (bytes)");
  field("average_bits", a.average_bits, 4, "average bits");
  field("bops", a.bops, 6, "bops");
  field("cost", a.cost, 6, "summed criterion");
  field("predicted_dloss", a.predicted_dloss, 6, "predicted dloss (sum of blocks)");
  field("predicted_dloss_joint", a.predicted_dloss_joint, 6, "predicted dloss (joint)");
  field("measured_dloss", a.measured_dloss, 6, "measured dloss");
}

}  // namespace

Record describe_sensitivity(const SensitivityResult& r) {
  Record rec;
  rec.add("bits", as_int64(r.bits));
  rec.add("granularity", name_of(r.granularity));
  rec.add("rank_by", name_of(r.rank_by));
  rec.add("rank_bits", r.rank_bits);
  rec.add("loss", r.loss);
  rec.add("gradient_norm", r.gradient_norm);
  const size_t nb = r.blocks.size();
  std::vector<std::string> names(nb);
  std::vector<int64_t> params(nb), unit(nb), rank(nb);
  std::vector<double> lambda(nb), trace(nb), stderr_(nb);
  std::vector<std::vector<double>> perturbation(nb), omega(nb), predicted(nb), gradient(nb),
      measured(nb);
  for (size_t i = 0; i < nb; ++i) {
    const BlockSensitivity& b = r.blocks[i];
    names[i] = b.name;
    params[i] = b.params;
    unit[i] = b.unit;
    lambda[i] = b.lambda_max;
    trace[i] = b.trace;
    stderr_[i] = b.trace_stderr;
    perturbation[i] = b.perturbation;
    omega[i] = b.omega;
    predicted[i] = b.predicted_dloss;
    gradient[i] = b.gradient_dloss;
    measured[i] = b.measured_dloss;
  }
  for (size_t k = 0; k < r.ranking.size(); ++k) rank[r.ranking[k]] = static_cast<int64_t>(k) + 1;
  const std::string per_width = " (b=" + bits_text(r.bits) + ")";
  Rows& blocks = rec.rows("blocks");
  blocks.column("name", "blocks", "block", names)
      .column("params", "params", "params", params)
      .column("unit", "unit", "", unit)
      .column("rank", "rank", "rank", rank)
      .column("lambda_max", "lambda_max", "lambda_max", lambda, kLossDigits)
      .column("trace", "trace", "trace", trace, kLossDigits)
      .column("trace_stderr", "trace_stderr", "", stderr_)
      .column("perturbation", "perturbation", "", perturbation)
      .column("omega", "omega", "", omega)
      .column("predicted_dloss", "predicted_dloss", "predicted" + per_width, predicted, 3)
      .column("gradient_dloss", "gradient_dloss", "", gradient)
      .column("measured_dloss", "measured_dloss", "measured" + per_width, measured, 3);
  std::vector<std::string> ranking;
  for (int i : r.ranking) ranking.push_back(r.blocks[i].name);
  rec.add("ranking", ranking);
  for (SensitivityCriterion c : kCorrelated) {
    std::vector<double> crit, meas;
    for (size_t i = 0; i < nb; ++i) {
      for (size_t w = 0; w < r.bits.size(); ++w) {
        crit.push_back(allocation_cost(r, c, i, w));
        meas.push_back(r.blocks[i].measured_dloss[w]);
      }
    }
    const std::string name(name_of(c));
    rec.add("spearman_" + name, spearman(crit, meas))
        .show("spearman " + name, 3, "rank correlation with measured over (block, width)");
  }
  rec.add("passes", r.passes);
  describe_status(rec, r.status, r.message);
  return rec;
}

Record describe_allocation(const SensitivityResult& s, const AllocationResult& a,
                           const Allocation* uniform) {
  const Allocation& x = *a.allocation;
  Record rec;
  rec.add("budget", to_string(*a.budget)).head("budget");
  rec.add("criterion", name_of(s.rank_by));
  rec.add("feasible_min", a.feasible_min);
  rec.add("feasible_max", a.feasible_max);
  rec.add("bits_per_block", as_int64(x.bits)).only(kDataset);
  Record& by_name = rec.child("bits");
  std::vector<std::string> names;
  for (size_t i = 0; i < s.blocks.size(); ++i) {
    by_name.add(s.blocks[i].name, x.bits[i]).only(kJson);
    names.push_back(s.blocks[i].name);
  }
  rec.rows("chosen")
      .only(kText)
      .column("", "", "block", names)
      .column("", "", "bits", as_int64(x.bits));
  add_allocation_fields(rec, x, "", true);
  if (uniform) {
    rec.add("uniform_bits", uniform->bits.empty() ? 0 : uniform->bits.front())
        .show("uniform baseline", 3, "every block at one width within the budget");
    add_allocation_fields(rec, *uniform, "uniform_", false);
    rec.add("uniform_text", significant(uniform->measured_dloss, kLossDigits) + " measured, " +
                                significant(uniform->predicted_dloss_joint, kLossDigits) +
                                " joint prediction")
        .only(0)
        .show("uniform dloss", kLossDigits, significant(uniform->size_bytes, 8) + " bytes");
  } else {
    rec.add("uniform_bits", Null{});
  }
  if (uniform && std::isfinite(x.measured_dloss) && std::isfinite(uniform->measured_dloss)) {
    rec.add("beats_uniform", x.measured_dloss <= uniform->measured_dloss);
  } else {
    rec.add("beats_uniform", Null{});
  }
  return rec;
}

Record describe_pareto(const SensitivityResult& s, const AllocationResult& a) {
  Record rec;
  rec.add("criterion", name_of(s.rank_by));
  std::vector<double> size, avg, bops, cost, pred, joint, meas;
  std::vector<std::vector<int64_t>> bits;
  for (const Allocation& p : a.pareto) {
    size.push_back(p.size_bytes);
    avg.push_back(p.average_bits);
    bops.push_back(p.bops);
    cost.push_back(p.cost);
    pred.push_back(p.predicted_dloss);
    joint.push_back(p.predicted_dloss_joint);
    meas.push_back(p.measured_dloss);
    bits.push_back(as_int64(p.bits));
  }
  rec.rows("pareto")
      .column("size_bytes", "size_bytes", "size (bytes)", size, 8)
      .column("average_bits", "average_bits", "avg bits", avg, 4)
      .column("bops", "bops", "", bops)
      .column("cost", "cost", "", cost)
      .column("predicted_dloss", "predicted_dloss", "predicted", pred, kLossDigits)
      .column("predicted_dloss_joint", "predicted_dloss_joint", "joint", joint, kLossDigits)
      .column("measured_dloss", "measured_dloss", "measured", meas, kLossDigits)
      .column("bits", "bits_per_block", "bits", bits);
  return rec;
}

Record sensitivity(const SensitivityRun& run, Observer& observer) {
  const Stopwatch clock;
  SensitivityOptions so = run.sensitivity;
  so.seed = run.inputs.seed;
  so.validate();
  AllocationOptions ao = run.allocation;
  ao.criterion = so.rank_by;
  ao.measure = so.measure;
  const bool allocating = !ao.budget.empty() || ao.pareto_points > 0;
  if (allocating) ao.validate();
  check_quantized_path(run);
  auto ws = open_workspace(run.inputs, observer);
  const QuantBlocks selected =
      select_quant_blocks(ws->model().graph, so.layers, so.ties, so.all_roles);
  if (allocating) check_budget(ao, ws->model().graph, selected.blocks, so.bits);
  ResultFile rf(run.output.out);
  PassCounter passes(observer, expected_passes(so, ao, std::ssize(selected.blocks)));
  ObservedObjective L(ws->objective(), passes);
  const SensitivityResult s = hess::run(so, L);
  fail_if_non_finite("sensitivity", s.status, s.message);
  std::optional<AllocationResult> a;
  std::optional<Allocation> uniform;
  if (allocating) {
    a = allocate(ao, s, L);
    fail_if_non_finite("allocation", a->status, a->message);
    if (a->budget) uniform = uniform_within(s, *a->budget, ao, L);
  }
  observer.finished();
  const int64_t hvps = L.counters().curvature;
  const double seconds = clock.seconds();

  Record rec = describe_sensitivity(s);
  const ResultMetadata meta = ws->metadata(run.output.command_line, hvps, seconds);
  if (a && a->allocation) {
    Record ar = describe_allocation(s, *a, uniform ? &*uniform : nullptr);
    write_record(rf.group("allocation"), ar);
    rec.child("allocation") = ar;
    if (!run.write_quantized.empty()) {
      Model q = ws->model();
      q.theta = quantized_parameters(q.graph, ws->model().theta, s, a->allocation->bits);
      Attrs metadata;
      metadata.set("source", run.output.command_line);
      metadata.set("budget", to_string(*a->budget));
      metadata.set("granularity", std::string(name_of(s.granularity)));
      metadata.set("bits_per_block", as_int64(a->allocation->bits));
      write_model(run.write_quantized, q, metadata);
    }
  }
  if (a && !a->pareto.empty()) {
    const Record pr = describe_pareto(s, *a);
    write_record(rf.group("pareto"), pr);
    rec.rows("pareto") = pr.tables().front().second;
    rec.rows("pareto").only(kJson | kText);
  }
  commit_group(rf, "sensitivity", rec, meta);
  describe_run(rec, *ws, run.output, hvps, seconds);
  rec.add("selection", std::to_string(s.blocks.size()) + " blocks, bits " + bits_text(s.bits) +
                           ", " + std::string(name_of(s.granularity)) + ", ranked by " +
                           std::string(name_of(s.rank_by)) + " at " + std::to_string(s.rank_bits) +
                           " bits")
      .only(0)
      .head("blocks");
  rec.add("loss_text", significant(s.loss, 8) + " (gradient norm " +
                           significant(s.gradient_norm, kLossDigits) + ")")
      .only(0)
      .head("loss");
  if (!run.write_quantized.empty())
    rec.add("quantized_model", run.write_quantized).only(kJson).head("quantized model");
  rec.footer = std::to_string(L.counters().passes) + " passes, " + std::to_string(hvps) +
               " HVPs, " + significant(seconds, 4) + " s; results in " + run.output.out +
               ":/sensitivity" + (a && a->allocation ? ", /allocation" : "") +
               (a && !a->pareto.empty() ? ", /pareto" : "");
  if (s.status != Status::Ok) observer.warn(s.message);
  if (a && a->allocation && uniform && a->allocation->measured_dloss > uniform->measured_dloss) {
    observer.warn("the allocation's measured loss change (" +
                  significant(a->allocation->measured_dloss, kLossDigits) +
                  ") exceeds the uniform " + std::to_string(uniform->bits.front()) +
                  "-bit one's (" + significant(uniform->measured_dloss, kLossDigits) +
                  "): the criterion misjudges this model (gradient norm " +
                  significant(s.gradient_norm, kLossDigits) +
                  "; away from a minimum first-order terms dominate)");
  }
  return rec;
}

}  // namespace hess::runs
