#include "runs/eos_run.h"

#include <filesystem>
#include <map>

#include "analyzers/directions.h"
#include "analyzers/stopwatch.h"
#include "engine/field_error.h"
#include "engine/number_format.h"
#include "io/checkpoint_series.h"
#include "io/file_error.h"
#include "io/fingerprint.h"
#include "io/record_hdf5.h"
#include "io/result_reader.h"
#include "io/run_directory.h"
#include "io/sha256.h"
#include "runs/eos_series.h"

namespace hess::runs {

namespace fs = std::filesystem;

namespace {

constexpr const char* kGroup = "eos";
constexpr const char* kLastVectors = "last_eigenvectors";  // k x P: the next warm start

using Settings = std::map<std::string, std::string>;

bool exists(const std::string& path) {
  std::error_code ec;
  return fs::exists(path, ec);
}

bool is_run_directory(const std::string& path) {
  std::error_code ec;
  return fs::is_directory(path, ec) && holds_run(path);
}

// The checkpoints of --along, in step order: a run directory's checkpoints folder, or what
// list_checkpoints finds. Nothing found is a mistake in --along.
std::vector<Checkpoint> checkpoints_of(const std::string& along) {
  try {
    std::vector<Checkpoint> c =
        list_checkpoints(is_run_directory(along) ? checkpoints_dir(along) : along);
    if (c.empty()) throw FieldError("along", ": " + along + " holds no checkpoints");
    return c;
  } catch (const FileError& e) {
    throw FieldError("along", ": " + std::string(e.what()));
  }
}

// The `hessian train` run directory the checkpoints come from ("" for checkpoints from elsewhere):
// --along itself, or the folder above a checkpoints folder holding all of them.
std::string source_run(const std::string& along, const std::vector<Checkpoint>& cs) {
  if (is_run_directory(along) && exists(log_path(along))) return along;
  const fs::path folder = fs::path(cs.front().file).parent_path();
  if (folder.filename() != "checkpoints") return "";
  for (const Checkpoint& c : cs) {
    if (c.group != "/" || fs::path(c.file).parent_path() != folder) return "";
  }
  const std::string dir = folder.parent_path().string();
  return exists(log_path(dir.empty() ? "." : dir)) ? (dir.empty() ? "." : dir) : "";
}

Settings read_settings(const std::string& run_dir) {
  const h5::File f = h5::File::open_read(log_path(run_dir));
  const Fingerprint stored = Fingerprint::read(f);
  Settings s;
  for (const auto& [k, v] : stored.entries()) s[k] = v;
  return s;
}

double real_setting(const Settings& s, const std::string& key, const std::string& log) {
  const auto it = s.find(key);
  if (it == s.end()) throw FileError(log, "the run's settings have no " + key);
  return std::stod(it->second);
}

// The optimizer of the run directory, or the caller's; FieldErrors for a learning rate missing
// for checkpoints from elsewhere or an optimizer or learning rate other than the run's.
OptimizerOptions optimizer_of(const EosRun& run, const std::string& dir, const Settings& s) {
  OptimizerOptions o = run.optimizer;
  if (dir.empty()) {
    if (!run.lr) {
      throw FieldError("lr",
                       "is needed: the checkpoints of {along} are not from a `hessian train` run "
                       "directory, so give their {optimizer} and {lr}");
    }
    o.lr = *run.lr;
    o.validate();
    return o;
  }
  const std::string log = log_path(dir);
  const auto kind = s.find("optimizer");
  if (kind == s.end()) throw FileError(log, "the run's settings have no optimizer");
  o.kind = parse_enum<OptimizerKind>(kind->second);
  o.lr = real_setting(s, "lr", log);
  if (s.count("momentum")) o.momentum = real_setting(s, "momentum", log);
  if (s.count("beta1")) o.beta1 = real_setting(s, "beta1", log);
  if (s.count("beta2")) o.beta2 = real_setting(s, "beta2", log);
  if (s.count("epsilon")) o.epsilon = real_setting(s, "epsilon", log);
  if (run.optimizer_given && run.optimizer.kind != o.kind) {
    throw FieldError("optimizer", ": " + dir + " was trained with " + std::string(name_of(o.kind)) +
                                      "; give none or that one");
  }
  if (run.lr && *run.lr != o.lr) {
    throw FieldError("lr", ": " + dir + " was trained with lr " + significant(o.lr, 17) +
                               "; give none or that one");
  }
  o.validate();
  return o;
}

// What makes two series the same: the checkpoints (by SHA-256), the data (by the SHA-256 of its
// values, io/content_digest.h), the analysis set, the optimizer and the measurement's settings.
// Threads and batch size are not in it.
Fingerprint fingerprint(const Workspace& ws, const std::vector<std::string>& hashes,
                        const std::string& rows, int64_t M, const OptimizerOptions& o,
                        const EosOptions& eo, bool cold) {
  std::string all;
  for (const std::string& h : hashes) all += h;
  Fingerprint f;
  f.add("checkpoints", static_cast<int64_t>(hashes.size()))
      .add("checkpoints_sha256", sha256_hex(all.data(), all.size()))
      .add("data_values_sha256", ws.data_values_digest())
      .add("training_rows", rows)
      .add("samples", M)
      .add("precision", std::string(name_of(ws.inputs().precision)))
      .add("weight_decay", ws.inputs().weight_decay)
      .add("optimizer", std::string(name_of(o.kind)))
      .add("lr", o.lr)
      .add("momentum", o.momentum)
      .add("beta1", o.beta1)
      .add("beta2", o.beta2)
      .add("epsilon", o.epsilon)
      .add("k", static_cast<int64_t>(eo.k))
      .add("tol", eo.tol)
      .add("ncv", static_cast<int64_t>(eo.ncv))
      .add("seed", eo.seed)
      .add("fd_step", eo.fd_step)
      .add("warm_start", cold ? "no" : "yes");
  return f;
}

// The group's record: the series' settings, rows and derived quantities, and where they come from.
Record group_record(const EosSeries& s, const std::string& along, const std::string& run_dir,
                    bool cold, unsigned table_channels) {
  Record r;
  r.add("along", along);
  r.add("run_directory", run_dir);
  r.add("warm_start", !cold);
  describe_eos_settings(r, s);
  describe_eos_series(r, s, "series", table_channels);
  return r;
}

Record summary(Record rec, const EosSeries& s, const Workspace& ws, const Output& out,
               int64_t measured, const Outcome& outcome, double seconds,
               const std::string& lr_text) {
  rec.add("measured", measured).only(kJson);
  rec.add("resumed", static_cast<int64_t>(s.size()) - measured).only(kJson);
  describe_status(rec, outcome.status, outcome.message);
  describe_run(rec, ws, out, s.total_hvps(), seconds);
  rec.add("samples", s.samples).only(kJson);  // the analysis set, not the data file's rows
  rec.add("series_text", std::to_string(s.size()) + " checkpoints (" + std::to_string(measured) +
                             " measured now), " + s.optimizer + " " + lr_text + ", threshold " +
                             s.threshold_rule + (s.preconditioned ? " (preconditioned)" : ""))
      .only(0)
      .head("series");
  rec.footer = grouped(s.total_hvps()) + " products, " + significant(seconds, 3) + " s; result " +
               out.out + ":/" + kGroup;
  return rec;
}

}  // namespace

Record eos(const EosRun& run, Observer& observer) {
  const Stopwatch clock;
  if (run.along.empty()) throw FieldError("along", "is missing: give the checkpoints");
  if (!run.inputs.model.empty() || !run.inputs.arch.empty())
    throw FieldError("along", "takes the models from the checkpoints: give no {model} or {arch}");
  EosOptions eo = run.eos;
  eo.seed = run.inputs.seed;
  eo.validate();
  const std::vector<Checkpoint> checkpoints = checkpoints_of(run.along);
  const std::string run_dir = source_run(run.along, checkpoints);
  const Settings settings = run_dir.empty() ? Settings{} : read_settings(run_dir);
  const OptimizerOptions opt = optimizer_of(run, run_dir, settings);

  // The checkpoints: one model, and the optimizer state adam needs.
  const size_t C = checkpoints.size();
  ModelFile first = read_checkpoint(checkpoints[0]);
  const int64_t P = first.model.graph.num_params();
  std::vector<int64_t> steps(C);
  bool numbered = true;
  for (const Checkpoint& c : checkpoints) numbered = numbered && c.step >= 0;
  for (size_t i = 0; i < C; ++i) {
    steps[i] = numbered ? checkpoints[i].step : static_cast<int64_t>(i);
    if (i > 0 && steps[i] == steps[i - 1]) {
      throw FieldError("along", ": " + checkpoints[i].label() + " and " +
                                    checkpoints[i - 1].label() + " are both of step " +
                                    std::to_string(steps[i]));
    }
  }
  const bool with_state = !run_dir.empty();
  if (opt.kind == OptimizerKind::Adam) {
    for (const Checkpoint& c : checkpoints) {
      if (!with_state || !has_optimizer_state(c)) {
        throw FieldError("optimizer",
                         ": adam's threshold needs its second moment, and " + c.label() +
                             " has no optimizer state beside it (a `hessian train` checkpoint)");
      }
    }
  }
  std::vector<std::string> hashes;
  for (size_t i = 0; i < C; ++i) {
    if (i > 0) {
      const ModelFile m = read_checkpoint(checkpoints[i]);
      try {
        check_same_graph(first.model.graph, m.model.graph);
      } catch (const std::invalid_argument& e) {
        throw FieldError("along", ": " + checkpoints[i].label() + " is not the model of " +
                                      checkpoints[0].label() + ": " + e.what());
      }
    }
    hashes.push_back(sha256_file(checkpoints[i].file) + checkpoints[i].group);
  }
  if (eo.k > P) {
    throw FieldError("k", "(" + std::to_string(eo.k) + ") exceeds the " + std::to_string(P) +
                              " parameters of the model");
  }

  // The data and the analysis set: the first M training rows (the run's training rows when the
  // checkpoints come from a run directory, else all rows of the data file).
  Inputs in = run.inputs;
  if (!run_dir.empty()) {
    if (in.data.empty() && settings.count("data")) in.data = settings.at("data");
    if (settings.count("weight_decay"))
      in.weight_decay = real_setting(settings, "weight_decay", log_path(run_dir));
    if (!run.precision_given && settings.count("precision"))
      in.precision = parse_enum<Precision>(settings.at("precision"));
  }
  if (in.data.empty()) throw FieldError("data", "is missing: give the training data file");
  const int64_t requested = in.samples > 0 || !settings.count("sharpness_samples")
                                ? in.samples
                                : std::stoll(settings.at("sharpness_samples"));
  in.samples = 0;
  auto ws = open_workspace(in, std::move(first.model), run.along, "", observer);
  const int64_t N = ws->data().size();
  std::vector<int64_t> rows;
  std::string rows_text = "all";
  if (!run_dir.empty()) {
    const int64_t train_samples = std::stoll(settings.at("samples"));
    // The training run's subset seed: its data_seed, recorded when it differs from its seed.
    const uint64_t train_seed =
        std::stoull(settings.count("data_seed") ? settings.at("data_seed") : settings.at("seed"));
    rows = analysis_rows(N, train_samples, train_seed);
    rows_text = std::to_string(train_samples) + " of seed " + std::to_string(train_seed);
  } else {
    rows = analysis_rows(N, 0, 0);
  }
  const int64_t M = eos_samples(requested, static_cast<int64_t>(rows.size()), "samples");
  rows.resize(M);
  const Fingerprint fp = fingerprint(*ws, hashes, rows_text, M, opt, eo, run.cold);
  const std::string lr_text = "lr " + significant(opt.lr);
  const std::string& out = run.output.out;

  // The same complete series in the result file is kept as it is.
  if (exists(out)) {
    const ResultReader old = ResultReader::isolated(out);  // may be hostile: read in a child
    if (old.has_group(kGroup) &&
        fp.first_difference(Fingerprint::read(old.group(kGroup).h5())).empty()) {
      const EosSeries s = read_eos_series(old.group(kGroup).h5());
      return summary(group_record(s, run.along, run_dir, run.cold, kJson | kText), s, *ws,
                     run.output, 0, Outcome{}, clock.seconds(), lr_text);
    }
  }

  auto analysis =
      make_objective(ws->model().graph, ws->data(), rows, ws->objective_options(), in.precision);
  ResultFile rf(out);
  ResultGroup& g = rf.resumable_group(kGroup);
  if (!rf.progress_note().empty()) observer.warn(rf.progress_note());
  EosSeries series = EosSeries::start(opt, eo.k, M);
  Eigen::MatrixXd warm;
  if (g.resumed()) {
    refuse_other(g.h5(), fp, progress_path_of(out) + ": /" + kGroup, "eos series");
    if (g.h5().has_dataset("step") && g.h5().has_dataset(kLastVectors)) {
      series = read_eos_series(g.h5());
      const std::vector<double> v = g.h5().dataset(kLastVectors).read<double>();
      if (!run.cold && !v.empty())
        warm = Eigen::Map<const Eigen::MatrixXd>(v.data(), P, v.size() / P);
    }
  }
  fp.write(g.h5());

  const int64_t already = static_cast<int64_t>(series.size());
  int64_t measured = 0;
  Outcome outcome;  // of the measurements of this run
  const std::atomic<bool>* cancel = observer.cancel();
  for (size_t i = 0; i < C; ++i) {
    if (already > 0 && steps[i] <= series.step.back()) continue;
    if (cancel && cancel->load()) {
      observer.finished();
      throw std::runtime_error(
          "interrupted by " + observer.stop_reason() + " after " + std::to_string(measured) +
          " new measurements (" + std::to_string(series.size()) + " of " + std::to_string(C) +
          " done, kept in " + progress_path_of(out) + "); run the same eos again to resume");
    }
    const ModelFile mf = read_checkpoint(checkpoints[i]);
    OptimizerState state;
    if (with_state && has_optimizer_state(checkpoints[i]))
      state = read_optimizer_state(checkpoints[i], P);
    state.step = steps[i];
    const EosMeasurement m =
        measure(eo, *analysis, mf.model.theta, opt, state, run.cold ? Eigen::MatrixXd() : warm);
    if (m.status != Status::Ok) observer.warn(checkpoints[i].label() + ": " + m.message);
    outcome.note(m.status, checkpoints[i].label(), m.message);
    if (m.status != Status::NonFinite) warm = m.vectors;
    series.append(m);
    ++measured;
    write_record(g, group_record(series, run.along, run_dir, run.cold, kDataset));
    if (warm.size() > 0) g.write(kLastVectors, warm.data(), {warm.cols(), P});
    g.flush();
    observer.progress(static_cast<int64_t>(series.size()), static_cast<int64_t>(C),
                      "checkpoints, lambda_1 " + significant(sample_of(m).sharpness, 5));
  }
  observer.finished();
  const double seconds = clock.seconds();
  ResultMetadata meta = ws->metadata(run.output.command_line, series.total_hvps(), seconds);
  meta.samples = M;
  rf.commit(meta);
  return summary(group_record(series, run.along, run_dir, run.cold, kJson | kText), series, *ws,
                 run.output, measured, outcome, seconds, lr_text);
}

}  // namespace hess::runs
