// Tests of `hessian train` (tools/cmd_train.cpp), running the built binary: the CLI reproduces the
// library's training exactly and its checkpoints round-trip bit for bit (loss and HVP); a run
// stopped by SIGTERM and resumed ends with the weights of an uninterrupted run; bad input gives
// one-line errors with the right exit codes and leaves nothing that looks complete. With
// --sharpness-every, a run stopped by SIGTERM and resumed has the /sharpness series of an
// uninterrupted one, value for value.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/arch.h"
#include "engine/random.h"
#include "engine/trainer.h"
#include "io/data_file.h"
#include "io/hdf5_file.h"
#include "io/model_file.h"
#include "support/fd_check.h"
#include "support/learnable_data.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;
namespace fs = std::filesystem;

namespace {

constexpr const char* kSpec = "mlp:6-12-3:tanh";
constexpr int64_t kSamples = 120;

struct Run {
  int code = -1;
  std::string out, err;
};

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs `hessian ARGS` with stdout and stderr captured in files of `dir`.
Run hessian(const ScratchDir& dir, const std::string& args) {
  const std::string o = dir.file("stdout.txt"), e = dir.file("stderr.txt");
  const std::string cmd =
      std::string(HESS_BINARY) + " " + args + " >" + o + " 2>" + e + " </dev/null";
  const int status = std::system(cmd.c_str());
  Run r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = slurp(o);
  r.err = slurp(e);
  return r;
}

// Starts `hessian ARGS` as a child process (output to /dev/null) and returns its pid.
pid_t spawn_hessian(const std::vector<std::string>& args) {
  const pid_t pid = fork();
  if (pid == 0) {
    std::vector<char*> argv;
    std::string bin = HESS_BINARY;
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    const int null_fd = ::open("/dev/null", O_WRONLY);
    dup2(null_fd, STDOUT_FILENO);
    dup2(null_fd, STDERR_FILENO);
    execv(HESS_BINARY, argv.data());
    _exit(127);
  }
  return pid;
}

std::vector<std::string> split_args(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

int count_checkpoints(const std::string& run) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(fs::path(run) / "checkpoints", ec)) {
    n += e.path().string().ends_with(".state.h5");
  }
  return n;
}

std::string last_checkpoint(const std::string& run) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(fs::path(run) / "checkpoints")) {
    const std::string p = e.path().string();
    if (p.ends_with(".h5") && !p.ends_with(".state.h5")) names.push_back(p);
  }
  std::sort(names.begin(), names.end());
  return names.back();
}

// Starts `hessian FLAGS OUT`, stops it with SIGTERM once `out` holds three checkpoints (the initial
// one and two periodic ones) and returns its exit code (1 when the signal stopped it).
int stop_after_checkpoints(const std::string& flags, const std::string& out) {
  const pid_t pid = spawn_hessian(split_args(flags + out));
  REQUIRE(pid > 0);
  // Wait (a bounded time) for two periodic checkpoints besides the initial one, then stop it.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (count_checkpoints(out) < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

bool one_error_line(const Run& r) {
  return r.err.rfind("hessian: error: ", 0) == 0 && r.err.find('\n') == r.err.size() - 1;
}

// No checkpoint and no log in `run` (absent, or nothing complete in it).
bool nothing_complete(const std::string& run) {
  std::error_code ec;
  return !fs::exists(fs::path(run) / "train_log.h5", ec) && count_checkpoints(run) == 0;
}

}  // namespace

TEST_CASE(
    "the CLI trains exactly as the library does; a checkpoint reloads bit for bit (loss, HVP)") {
  ScratchDir dir;
  const Dataset data = learnable_data(kSamples, 1);
  write_data(dir.file("d.h5"), data, {"test", "none"});
  const std::string run = dir.file("run");
  const Run r =
      hessian(dir, "train --data " + dir.file("d.h5") + " --arch " + kSpec +
                       " --seed 4 --optimizer momentum --lr 0.1 --batch-size 16 --epochs 4"
                       " --checkpoint-every 10 --threads 2 --precision f64 --json --out " +
                       run);
  REQUIRE(r.code == 0);
  CHECK(r.err.empty());
  CHECK(r.out.find("\"steps\": 32") != std::string::npos);  // 4 epochs of ⌈120/16⌉ = 8 steps
  CHECK(r.out.find("\"final_loss\"") != std::string::npos);
  CHECK(r.out.find("\"final_accuracy\"") != std::string::npos);
  CHECK(count_checkpoints(run) == 5);  // steps 0, 10, 20, 30 and the final 32
  CHECK(r.out.find("step-000000000.h5") != std::string::npos);
  CHECK(r.out.find("step-000000032.h5") != std::string::npos);

  // The same training in the library.
  ArchOptions a;
  a.seed = 4;
  const Model m0 = build_arch(kSpec, a);
  TrainOptions o;
  o.optimizer.kind = OptimizerKind::Momentum;
  o.optimizer.lr = 0.1;
  o.batch_size = 16;
  o.threads = 2;
  o.seed = 4;
  Trainer t(m0.graph, data, all_rows(kSamples), o, Precision::F64);
  t.set_parameters(m0.theta);
  t.run(32, [](const TrainStep&) { return true; });

  const Model saved = read_model(last_checkpoint(run));
  CHECK(saved.theta == t.parameters());

  // Loss and HVP of the reloaded model equal those of the model in memory, bit for bit.
  Model trained = m0;
  trained.theta = t.parameters();
  auto mem = double_objective(trained, data, 32);
  auto file = double_objective(saved, data, 32);
  mem->set_parameters(trained.theta);
  file->set_parameters(saved.theta);
  CHECK(mem->value().loss == file->value().loss);
  const Eigen::VectorXd v = random_vector(mem->num_params(), 8);
  Eigen::VectorXd hv_mem(mem->num_params()), hv_file(mem->num_params());
  mem->curvature(v.data(), 1, hv_mem.data(), Curvature::Hessian);
  file->curvature(v.data(), 1, hv_file.data(), Curvature::Hessian);
  CHECK(hv_mem == hv_file);
  CHECK(t.evaluate().accuracy > 0.8);
}

TEST_CASE("a run stopped by SIGTERM and resumed ends with the weights of an uninterrupted run") {
  ScratchDir dir;
  write_data(dir.file("d.h5"), learnable_data(kSamples, 2), {"test", "none"});
  const std::string flags =
      "train --data " + dir.file("d.h5") + " --arch " + kSpec +
      " --seed 7 --optimizer adam --batch-size 8 --steps 6000 --checkpoint-every 100"
      " --threads 2 --quiet --out ";
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  REQUIRE(hessian(dir, flags + whole).code == 0);

  // Exit 1 when the signal stopped it; 0 only if it finished first (then there is nothing to test).
  REQUIRE(stop_after_checkpoints(flags, cut) == 1);
  const std::string stopped_at = last_checkpoint(cut);
  CHECK(stopped_at != last_checkpoint(whole));

  const Run resumed = hessian(dir, flags + cut + " --resume");
  REQUIRE(resumed.code == 0);
  const Model a = read_model(last_checkpoint(whole));
  const Model b = read_model(last_checkpoint(cut));
  CHECK(fs::path(last_checkpoint(cut)).filename() == "step-000006000.h5");
  CHECK(a.theta == b.theta);
}

TEST_CASE(
    "a run tracking sharpness, stopped by SIGTERM and resumed, has the uninterrupted series") {
  ScratchDir dir;
  write_data(dir.file("d.h5"), learnable_data(kSamples, 5), {"test", "none"});
  const std::string flags =
      "train --data " + dir.file("d.h5") + " --arch " + kSpec +
      " --seed 2 --optimizer adam --batch-size 8 --steps 3000 --checkpoint-every 100"
      " --sharpness-every 30 --sharpness-k 2 --sharpness-samples 100 --threads 2 --quiet --out ";
  const std::string whole = dir.file("whole"), cut = dir.file("cut");
  REQUIRE(hessian(dir, flags + whole).code == 0);
  REQUIRE(stop_after_checkpoints(flags, cut) == 1);
  const std::string stopped_at = fs::path(last_checkpoint(cut)).filename().string();
  REQUIRE(hessian(dir, flags + cut + " --resume").code == 0);

  const h5::File a = h5::File::open_read(whole + "/train_log.h5");
  const h5::File b = h5::File::open_read(cut + "/train_log.h5");
  const h5::Group ga = a.group("sharpness"), gb = b.group("sharpness");
  const std::vector<int64_t> steps = ga.dataset("step").read<int64_t>();
  CHECK(steps.size() == 101);  // 0, 30, ..., 3000
  CHECK(gb.dataset("step").read<int64_t>() == steps);
  CHECK(gb.dataset("hvps").read<int64_t>() == ga.dataset("hvps").read<int64_t>());
  for (const char* d : {"eigenvalues", "threshold", "loss", "grad_overlap", "alpha", "beta"}) {
    CAPTURE(d);
    CHECK(gb.dataset(d).read<double>() == ga.dataset(d).read<double>());
  }
  for (const char* attr : {"max_ratio", "eos_fraction", "sharpening_rate"}) {
    CAPTURE(attr);
    CHECK(gb.attr(attr) == ga.attr(attr));
  }
  MESSAGE("stopped at " << stopped_at << ", resumed; " << steps.size()
                        << " measurements equal to the uninterrupted run's");
}

TEST_CASE("bad input: one-line errors, exit codes 1 and 2, nothing left that looks complete") {
  ScratchDir dir;
  write_data(dir.file("d.h5"), learnable_data(20, 3), {"test", "none"});
  const std::string data = " --data " + dir.file("d.h5");
  const std::string run = dir.file("run");
  struct Case {
    const char* what;
    std::string args;
    int code;
    const char* mentions;
  };
  const Case cases[] = {
      {"missing data file", "--data " + dir.file("nope.h5") + " --arch mlp:6-3 --steps 2", 1,
       "nope.h5"},
      {"data not fitting the arch", data + " --arch mlp:5-3 --steps 2", 1, "[5]"},
      {"too few outputs for the labels", data + " --arch mlp:6-2 --steps 2", 1, "label"},
      {"bad optimizer name", data + " --arch mlp:6-3 --steps 2 --optimizer adamw", 2, "adamw"},
      {"negative lr", data + " --arch mlp:6-3 --steps 2 --lr -0.1", 2, "lr"},
      {"momentum of 1", data + " --arch mlp:6-3 --steps 2 --optimizer momentum --momentum 1", 2,
       "momentum"},
      {"neither steps nor epochs", data + " --arch mlp:6-3", 2, "--steps"},
      {"both steps and epochs", data + " --arch mlp:6-3 --steps 2 --epochs 1", 2, "--epochs"},
      {"bad arch", data + " --arch mlp:6-x --steps 2", 2, "arch"},
      {"no model", data + " --steps 2", 2, "--arch"},
      {"resume of nothing", data + " --arch mlp:6-3 --steps 2 --resume", 2, "--resume"},
      {"negative batch size", data + " --arch mlp:6-3 --steps 2 --batch-size -3", 2, "batch"},
      {"negative sharpness-every", data + " --arch mlp:6-3 --steps 2 --sharpness-every -1", 2,
       "--sharpness-every"},
      {"sharpness-k above the parameter count",
       data + " --arch mlp:6-3 --steps 2 --sharpness-every 1 --sharpness-k 22", 2, "--sharpness-k"},
      {"sharpness-samples above the training set",
       data + " --arch mlp:6-3 --steps 2 --sharpness-every 1 --sharpness-samples 21", 2,
       "--sharpness-samples"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.what);
    const Run r = hessian(dir, "train " + c.args + " --out " + run);
    CHECK(r.code == c.code);
    CHECK(one_error_line(r));
    CHECK(r.err.find(c.mentions) != std::string::npos);
    CHECK(r.out.empty());
    CHECK(nothing_complete(run));
  }
  const Run no_out = hessian(dir, "train" + data + " --arch mlp:6-3 --steps 2");
  CHECK(no_out.code == 2);
  CHECK(one_error_line(no_out));

  // A finished run is not overwritten, and a resume with other settings is refused by name.
  REQUIRE(hessian(dir, "train" + data + " --arch mlp:6-3 --steps 4 --out " + run).code == 0);
  const Run again = hessian(dir, "train" + data + " --arch mlp:6-3 --steps 4 --out " + run);
  CHECK(again.code == 2);
  CHECK(one_error_line(again));
  const Run other_lr =
      hessian(dir, "train" + data + " --arch mlp:6-3 --steps 8 --lr 0.5 --resume --out " + run);
  CHECK(other_lr.code == 2);
  CHECK(one_error_line(other_lr));
  CHECK(other_lr.err.find("lr") != std::string::npos);
  // Continuing for longer with the same settings is a resume.
  const Run longer =
      hessian(dir, "train" + data + " --arch mlp:6-3 --steps 8 --resume --out " + run);
  CHECK(longer.code == 0);
  CHECK(fs::exists(fs::path(run) / "checkpoints" / "step-000000008.h5"));
  CHECK_FALSE(temporary_left((fs::path(run) / "checkpoints" / "step-000000008.h5").string()));
}
