#include "support/spectral_cli.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "engine/arch.h"
#include "io/data_file.h"
#include "io/model_file.h"

namespace hess::test {

std::vector<std::string> spectral_args(const std::vector<std::string>& command_and_flags) {
  std::vector<std::string> a = command_and_flags;
  for (const char* s :
       {"--arch", kSpectralArch, "--samples", "64", "--seed", "3", "--threads", "1"})
    a.emplace_back(s);
  if (std::find(a.begin(), a.end(), "--precision") == a.end())
    a.insert(a.end(), {"--precision", "f64"});
  return a;
}

runs::Inputs spectral_options() {
  runs::Inputs o;
  o.arch = kSpectralArch;
  o.samples = 64;
  o.seed = 3;
  o.threads = 1;
  o.precision = Precision::F64;
  return o;
}

CliRun run_ok(const ScratchDir& dir, const std::vector<std::string>& args) {
  CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  REQUIRE(r.code == 0);
  return r;
}

void check_error(const ScratchDir& dir, const std::vector<std::string>& args, int code,
                 const std::string& message_start) {
  const CliRun r = run_hessian(args, dir.path());
  CAPTURE(r.err);
  CHECK(r.code == code);
  CHECK(r.err.rfind("hessian: error: " + message_start, 0) == 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.out.empty());
}

void write_overflowing_inputs(const ScratchDir& dir) {
  ArchOptions a;
  Model m = build_arch("mlp:4-6-3:relu", a);
  std::fill(m.theta.begin(), m.theta.end(), 1e200);
  write_model(dir.file("big.h5"), m);
  Dataset d;
  d.sample_shape = {4};
  d.x.assign(8 * 4, 1.0f);
  for (int i = 0; i < 8; ++i) d.labels.push_back(i % 3);
  write_data(dir.file("d.h5"), d, {"tests", "none"});
}

}  // namespace hess::test
