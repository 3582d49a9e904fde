// hvp_bench: what a loss, a gradient, a Hessian-vector product (HVP) and a k-column HVP cost on
// three workloads (an MLP, a small CNN, a small residual net), float32, under two thread policies
// on this machine: batches in parallel threads with OpenBLAS single-threaded, or one batch thread
// with OpenBLAS multi-threaded. See bench/README.md.
//
// Every (workload, policy) pair runs in a fresh child process (this program re-executed with
// --child), so its peak RSS is its own and OpenBLAS's thread count is set before any work.
// Each quantity is timed `reps` times after one warm-up call (buffers allocated) and the median
// is reported.

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/arch.h"
#include "engine/blas_threads.h"
#include "engine/objective.h"
#include "engine/random.h"

namespace {

struct Workload {
  const char* name;
  const char* spec;
  int64_t samples;
  int64_t batch;  // samples per batch: a k-column HVP keeps ~2k copies of a batch's activations
};

const Workload kWorkloads[] = {
    {"mlp", "mlp:784-512-512-10", 2048, 256},
    {"cnn", "cnn:1x28x28-c16k3p1-pool2-c32k3p1-pool2-10:relu", 1024, 256},
    {"resnet", "resnet:1x28x28-w16-b3-10", 1024, 64},
};

struct Policy {
  const char* name;
  int batch_threads;
  int blas_threads;
};

const Policy kPolicies[] = {{"batches", 2, 1}, {"blas", 1, 2}};

constexpr uint64_t kModelSeed = 1;
constexpr uint64_t kDataSeed = 2;
constexpr uint64_t kDirectionSeed = 3;
constexpr int64_t kClasses = 10;

struct Options {
  int reps = 5;
  int64_t batch = 0;  // samples per batch; 0: the workload's own
  int k = 8;
  std::string only;  // run only workloads whose name equals this
};

// What one child measures (seconds are medians).
struct Measure {
  int64_t params = 0;
  double loss = 0, grad = 0, hvp = 0, hvpk = 0;  // hvpk: one k-column call
};

[[noreturn]] void usage(const char* msg) {
  std::fprintf(
      stderr,
      "hvp_bench: %s\nusage: hvp_bench [--reps N] [--batch B] [--k K] [--only mlp|cnn|resnet]\n",
      msg);
  std::exit(2);
}

double seconds_of(const std::function<void()>& f) {
  const auto a = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - a).count();
}

double median(std::vector<double> t) {
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// The median seconds of each task over `reps` rounds, after one warm-up call each (buffers are
// allocated on the first call). Rounds interleave the tasks, so a change of machine load during
// the run affects them alike and their ratios stay meaningful.
std::vector<double> median_seconds(int reps, const std::vector<std::function<void()>>& tasks) {
  for (const auto& f : tasks) f();
  std::vector<std::vector<double>> t(tasks.size());
  for (int r = 0; r < reps; ++r) {
    for (size_t i = 0; i < tasks.size(); ++i) t[i].push_back(seconds_of(tasks[i]));
  }
  std::vector<double> out;
  for (const auto& ti : t) out.push_back(median(ti));
  return out;
}

Measure measure(const Workload& w, const Policy& p, const Options& o) {
  hess::set_blas_threads(p.blas_threads);
  hess::ArchOptions ao;
  ao.seed = kModelSeed;
  const hess::Model m = hess::build_arch(w.spec, ao);
  hess::Dataset d;
  d.sample_shape = m.graph.input_shape;
  hess::Rng rng(kDataSeed);
  d.x.resize(w.samples * hess::numel(d.sample_shape));
  for (float& v : d.x) v = static_cast<float>(rng.normal());
  d.labels.resize(w.samples);
  for (int64_t& l : d.labels) l = rng.below(kClasses);
  std::vector<int64_t> rows(w.samples);
  for (int64_t i = 0; i < w.samples; ++i) rows[i] = i;

  hess::ObjectiveOptions oo;
  oo.batch_size = o.batch > 0 ? o.batch : w.batch;
  oo.threads = p.batch_threads;
  auto obj = hess::make_objective(m.graph, d, rows, oo, hess::Precision::F32);
  obj->set_parameters(m.theta);
  const int64_t P = obj->num_params();
  hess::Rng vr(kDirectionSeed);
  std::vector<double> V(P * o.k), HV(P * o.k), g(P);
  for (double& v : V) v = vr.normal();

  Measure r;
  r.params = P;
  const std::vector<double> t = median_seconds(
      o.reps, {[&] { obj->value(); }, [&] { obj->gradient(g.data()); },
               [&] { obj->curvature(V.data(), 1, HV.data(), hess::Curvature::Hessian); },
               [&] { obj->curvature(V.data(), o.k, HV.data(), hess::Curvature::Hessian); }});
  r.loss = t[0], r.grad = t[1], r.hvp = t[2], r.hvpk = t[3];
  return r;
}

// The child: measures one (workload, policy) and writes one line to stdout:
// "ok PARAMS LOSS GRAD HVP HVPK" or "skip REASON".
int child(const Workload& w, const Policy& p, const Options& o) {
  try {
    const Measure r = measure(w, p, o);
    std::printf("ok %lld %.6e %.6e %.6e %.6e\n", static_cast<long long>(r.params), r.loss, r.grad,
                r.hvp, r.hvpk);
  } catch (const std::invalid_argument& e) {
    // An op of the workload not in this build: "node 'bn1' (batch_norm): op is not implemented ..."
    const std::string msg = e.what();
    const size_t open = msg.find('('), close = msg.find(')');
    if (msg.find("not implemented") != std::string::npos && open < close &&
        close != std::string::npos) {
      std::printf("skip needs %s\n", msg.substr(open + 1, close - open - 1).c_str());
    } else {
      std::printf("skip %s\n", msg.c_str());
    }
  }
  return 0;
}

struct ChildResult {
  std::string line;
  long max_rss_kb = 0;
};

// Runs this program as `--child W P ...` and collects its line and peak RSS.
ChildResult run_child(int w, int p, const Options& o) {
  int fd[2];
  if (pipe(fd) != 0) throw std::runtime_error("pipe failed");
  const std::vector<std::string> args = {"hvp_bench",
                                         "--child",
                                         std::to_string(w),
                                         std::to_string(p),
                                         "--reps",
                                         std::to_string(o.reps),
                                         "--batch",
                                         std::to_string(o.batch),
                                         "--k",
                                         std::to_string(o.k)};
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(fd[1], STDOUT_FILENO);
    close(fd[0]);
    close(fd[1]);
    std::vector<char*> argv;
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv("/proc/self/exe", argv.data());
    _exit(127);
  }
  close(fd[1]);
  ChildResult r;
  char buf[512];
  ssize_t n;
  while ((n = read(fd[0], buf, sizeof buf)) > 0) r.line.append(buf, n);
  close(fd[0]);
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) r.line = "skip child failed";
  r.max_rss_kb = ru.ru_maxrss;
  return r;
}

Options parse(int argc, char** argv, int first) {
  Options o;
  for (int i = first; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) usage(("missing value after " + a).c_str());
    const std::string v = argv[++i];
    if (a == "--reps") {
      o.reps = std::atoi(v.c_str());
    } else if (a == "--batch") {
      o.batch = std::atoll(v.c_str());
    } else if (a == "--k") {
      o.k = std::atoi(v.c_str());
    } else if (a == "--only") {
      o.only = v;
    } else {
      usage(("unknown option " + a).c_str());
    }
  }
  if (o.reps < 1 || o.batch < 0 || o.k < 1)
    usage("--reps and --k must be positive, --batch not negative");
  return o;
}

}  // namespace

// The first line of /proc/loadavg: other work on the machine distorts timings.
std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string a, b, c;
  f >> a >> b >> c;
  return a + " " + b + " " + c;
}

int main(int argc, char** argv) {
  constexpr int kWorkloadCount = sizeof(kWorkloads) / sizeof(kWorkloads[0]);
  constexpr int kPolicyCount = sizeof(kPolicies) / sizeof(kPolicies[0]);
  if (argc >= 4 && std::strcmp(argv[1], "--child") == 0) {
    const int w = std::atoi(argv[2]), p = std::atoi(argv[3]);
    if (w < 0 || w >= kWorkloadCount || p < 0 || p >= kPolicyCount) usage("bad child arguments");
    return child(kWorkloads[w], kPolicies[p], parse(argc, argv, 4));
  }
  const Options o = parse(argc, argv, 1);
  const std::string start_load = load_average();
  std::printf(
      "hvp_bench: float32 (precision f32; results accumulate in double), k = %d columns, "
      "median of %d interleaved rounds after one warm-up\n",
      o.k, o.reps);
  std::printf("seeds: model %llu, data %llu, directions %llu; random N(0,1) inputs, %lld classes\n",
              static_cast<unsigned long long>(kModelSeed),
              static_cast<unsigned long long>(kDataSeed),
              static_cast<unsigned long long>(kDirectionSeed), static_cast<long long>(kClasses));
  std::printf("hardware threads: %u; OpenBLAS: %s\n", std::thread::hardware_concurrency(),
              hess::blas_config().c_str());
  std::printf(
      "policies: batches = %d batch threads x %d OpenBLAS thread; blas = %d batch thread x %d "
      "OpenBLAS threads\n\n",
      kPolicies[0].batch_threads, kPolicies[0].blas_threads, kPolicies[1].batch_threads,
      kPolicies[1].blas_threads);
  for (int w = 0; w < kWorkloadCount; ++w) {
    if (!o.only.empty() && o.only != kWorkloads[w].name) continue;
    std::printf("%-7s %s on %lld samples in batches of %lld\n", kWorkloads[w].name,
                kWorkloads[w].spec, static_cast<long long>(kWorkloads[w].samples),
                static_cast<long long>(o.batch > 0 ? o.batch : kWorkloads[w].batch));
  }
  std::printf(
      "\n| model  | params  | policy  | batch thr | BLAS thr | loss s  | grad s  | HVP s   | "
      "HVP%d/col s | HVP/grad | HVP%d col/HVP | peak RSS MB |\n",
      o.k, o.k);
  std::printf(
      "|--------|---------|---------|-----------|----------|---------|---------|---------|"
      "------------|----------|---------------|-------------|\n");
  for (int w = 0; w < kWorkloadCount; ++w) {
    if (!o.only.empty() && o.only != kWorkloads[w].name) continue;
    for (int p = 0; p < kPolicyCount; ++p) {
      const Policy& pol = kPolicies[p];
      const ChildResult r = run_child(w, p, o);
      long long params = 0;
      double loss = 0, grad = 0, hvp = 0, hvpk = 0;
      if (std::sscanf(r.line.c_str(), "ok %lld %lf %lf %lf %lf", &params, &loss, &grad, &hvp,
                      &hvpk) == 5) {
        const double col = hvpk / o.k;
        std::printf(
            "| %-6s | %7lld | %-7s | %9d | %8d | %7.4f | %7.4f | %7.4f | %10.4f | %8.2f | %13.2f | "
            "%11.0f |\n",
            kWorkloads[w].name, params, pol.name, pol.batch_threads, pol.blas_threads, loss, grad,
            hvp, col, hvp / grad, col / hvp, static_cast<double>(r.max_rss_kb) / 1024.0);
      } else {
        std::string why = r.line.rfind("skip ", 0) == 0 ? r.line.substr(5) : r.line;
        while (!why.empty() && why.back() == '\n') why.pop_back();
        std::printf("| %-6s |         | %-7s | %9d | %8d | %s |\n", kWorkloads[w].name, pol.name,
                    pol.batch_threads, pol.blas_threads, why.c_str());
      }
      std::fflush(stdout);
    }
  }
  std::printf("\nload average (1, 5, 15 min) at the start: %s, at the end: %s\n",
              start_load.c_str(), load_average().c_str());
  return 0;
}
