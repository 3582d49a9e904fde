// The metadata analysis commands write (tools/result_metadata): taken from the session that was
// opened from the flags, with the digests of the files it read.
#include <doctest/doctest.h>

#include "engine/arch.h"
#include "io/model_file.h"
#include "io/sha256.h"
#include "support/scratch_dir.h"
#include "tools/result_metadata.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("an --arch session: no digests, its seed, precision, threads, samples and HVP count") {
  cli::CommonOptions o;
  o.arch = "mlp:3-4-2:tanh";
  o.seed = 77;
  o.samples = 40;
  o.threads = 1;
  o.precision = "f32";
  o.command_line = "hessian eigen --arch mlp:3-4-2:tanh";
  auto s = cli::open_session(o, true);
  std::vector<double> v(s->objective->num_params(), 1.0), hv(v.size());
  s->objective->curvature(v.data(), 1, hv.data(), Curvature::Hessian);
  const ResultMetadata m = cli::result_metadata(*s, o, 2.5);
  CHECK(m.command_line == o.command_line);
  CHECK(m.model_sha256.empty());
  CHECK(m.data_sha256.empty());
  CHECK(m.seed == 77);
  CHECK(m.precision == "f32");
  CHECK(m.threads == 1);
  CHECK(m.samples == 40);
  CHECK(m.hvps == 1);
  CHECK(m.seconds == 2.5);
  CHECK(m.batchnorm == "running statistics (eval)");
}

TEST_CASE("a model file session records the file's SHA-256") {
  ScratchDir dir;
  ArchOptions a;
  write_model(dir.file("m.h5"), build_arch("mlp:3-2:relu", a));
  cli::CommonOptions o;
  o.model = dir.file("m.h5");
  auto s = cli::open_session(o, false);
  const ResultMetadata m = cli::result_metadata(*s, o, 0);
  CHECK(m.model_sha256 == sha256_hex(read_bytes(o.model).data(), read_bytes(o.model).size()));
  CHECK(m.model_sha256.size() == 64);
  CHECK(m.samples == 0);
}
