// runs/workspace: what a run opens from plain settings, and the metadata its result groups carry,
// with the digests of the files it read; the settings it refuses, naming the field.
#include <doctest/doctest.h>

#include "engine/arch.h"
#include "engine/field_error.h"
#include "io/data_file.h"
#include "io/model_file.h"
#include "io/sha256.h"
#include "runs/workspace.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

TEST_CASE("an arch workspace: no digests, its seed, precision, threads, samples and HVP count") {
  runs::Inputs in;
  in.arch = "mlp:3-4-2:tanh";
  in.seed = 77;
  in.samples = 40;
  in.threads = 1;
  in.precision = Precision::F32;
  auto ws = runs::open_workspace(in);
  std::vector<double> v(ws->objective().num_params(), 1.0), hv(v.size());
  ws->objective().curvature(v.data(), 1, hv.data(), Curvature::Hessian);
  const std::string cmd = "hessian eigen --arch mlp:3-4-2:tanh";
  const ResultMetadata m = ws->metadata(cmd, ws->objective().counters().curvature, 2.5);
  CHECK(m.command_line == cmd);
  CHECK(m.model_sha256.empty());
  CHECK(m.data_sha256.empty());
  CHECK(m.seed == 77);
  CHECK(m.precision == "f32");
  CHECK(m.threads == 1);
  CHECK(m.samples == 40);
  CHECK(m.hvps == 1);
  CHECK(m.seconds == 2.5);
  CHECK(m.batchnorm == "running statistics (eval)");
  CHECK(ws->data_label() == "synthetic");
}

TEST_CASE("a model file workspace records the file's SHA-256") {
  ScratchDir dir;
  ArchOptions a;
  write_model(dir.file("m.h5"), build_arch("mlp:3-2:relu", a));
  runs::Inputs in;
  in.model = dir.file("m.h5");
  auto ws = runs::open_workspace(in, runs::Need::Model);
  const ResultMetadata m = ws->metadata("", 0, 0);
  CHECK(m.model_sha256 == sha256_hex(read_bytes(in.model).data(), read_bytes(in.model).size()));
  CHECK(m.model_sha256.size() == 64);
  CHECK(m.samples == 0);
  CHECK_FALSE(ws->has_objective());
}

TEST_CASE("the analysis set is a seeded, sorted subset; all rows when samples is 0 or too many") {
  CHECK(runs::analysis_rows(5, 0, 1) == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(runs::analysis_rows(5, 5, 1) == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK_THROWS_WITH_AS(runs::analysis_rows(5, 9, 1),
                       doctest::Contains("9 is more than the 5 samples of the data"), FieldError);
  const std::vector<int64_t> r = runs::analysis_rows(100, 10, 4);
  CHECK(r.size() == 10);
  CHECK(std::is_sorted(r.begin(), r.end()));
  CHECK(r == runs::analysis_rows(100, 10, 4));
  CHECK(r != runs::analysis_rows(100, 10, 5));
}

TEST_CASE("bad settings are FieldErrors naming the field") {
  auto field_of = [](const runs::Inputs& in) -> std::string {
    try {
      runs::open_workspace(in);
    } catch (const FieldError& e) {
      return e.field();
    }
    return "(accepted)";
  };
  runs::Inputs in;
  CHECK(field_of(in) == "model");
  in.arch = "mlp:3-2";
  in.model = "m.h5";
  CHECK(field_of(in) == "model");
  in.model.clear();
  in.batch_size = 0;
  CHECK(field_of(in) == "batch_size");
  in.batch_size = 8;
  in.samples = -1;
  CHECK(field_of(in) == "samples");
  in.samples = 0;
  in.threads = -2;
  CHECK(field_of(in) == "threads");
  in.threads = 1;
  in.weight_decay = std::nan("");
  CHECK(field_of(in) == "weight_decay");
  in.weight_decay = 0;
  in.arch = "mlp:3-x";
  CHECK(field_of(in) == "arch");
}

TEST_CASE("data_seed draws the analysis subset and synthetic data; seed keeps the weights") {
  ScratchDir dir;
  Dataset d;
  d.sample_shape = {3};
  for (int i = 0; i < 300; ++i) d.x.push_back(static_cast<float>(i % 7) - 3.0f);
  d.labels.assign(100, 1);
  write_data(dir.file("d.h5"), d, {"ramp", "none"});
  runs::Inputs in;
  in.arch = "mlp:3-4-2:tanh";
  in.data = dir.file("d.h5");
  in.samples = 20;
  in.threads = 1;
  in.seed = 1;
  in.data_seed = 7;
  auto a = runs::open_workspace(in);
  in.seed = 2;
  auto b = runs::open_workspace(in);
  CHECK(a->rows() == b->rows());
  CHECK(a->rows() == runs::analysis_rows(100, 20, 7));
  CHECK(a->model().theta != b->model().theta);  // arch weights from seed
  const ResultMetadata m = b->metadata("", 0, 0);
  CHECK(m.seed == 2);
  CHECK(m.data_seed == 7);
  // Unset, it is the seed: the subset every run drew before data_seed existed.
  in.data_seed.reset();
  auto c = runs::open_workspace(in);
  CHECK(c->rows() == runs::analysis_rows(100, 20, 2));
  CHECK(c->metadata("", 0, 0).data_seed == 2);
  // Synthetic data (an arch model without a data file) comes from the data seed too.
  in.data.clear();
  in.data_seed = 5;
  auto s1 = runs::open_workspace(in);
  in.seed = 3;
  auto s2 = runs::open_workspace(in);
  CHECK(s1->data().x == s2->data().x);
  in.data_seed = 6;
  CHECK(runs::open_workspace(in)->data().x != s1->data().x);
}
