// Checkpoint series (io/checkpoint_series): folders, globs and series files list the same
// checkpoints in step order, and each reads back the model written for its step.
#include <doctest/doctest.h>

#include <cstdio>

#include "engine/arch.h"
#include "io/checkpoint_series.h"
#include "io/file_error.h"
#include "support/error_message.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

Model model_at(int64_t step) {
  ArchOptions o;
  o.seed = static_cast<uint64_t>(step);
  return build_arch("mlp:3-4-2:tanh", o);
}

// The step each checkpoint's model was written for, recovered from its parameters.
void check_models(const std::vector<Checkpoint>& list, const std::vector<int64_t>& steps) {
  REQUIRE(list.size() == steps.size());
  for (size_t i = 0; i < steps.size(); ++i) {
    CAPTURE(list[i].label());
    CHECK(list[i].step == steps[i]);
    CHECK(read_checkpoint(list[i]).model.theta == model_at(steps[i]).theta);
  }
}

}  // namespace

TEST_CASE("checkpoint names sort by step") {
  CHECK(checkpoint_name(100) == "step-00000100");
  CHECK(checkpoint_name(123456789) == "step-123456789");
}

TEST_CASE("a folder, a glob and single files list checkpoints in step order") {
  ScratchDir dir;
  const std::vector<int64_t> steps = {900, 10, 100000000, 200};
  for (int64_t s : steps) write_model(dir.file(checkpoint_name(s) + ".h5"), model_at(s));
  write_bytes(dir.file("notes.txt"), "not a checkpoint");
  const std::vector<int64_t> sorted = {10, 200, 900, 100000000};

  check_models(list_checkpoints(dir.path()), sorted);
  check_models(list_checkpoints(dir.file("step-*.h5")), sorted);
  check_models(list_checkpoints(dir.file("step-00000200.h5")), {200});
  const std::vector<Checkpoint> one = list_checkpoints(dir.file("step-00000900.h5"));
  CHECK(one[0].label() == dir.file("step-00000900.h5"));
  CHECK(one[0].group == "/");
}

TEST_CASE("the optimizer states beside `hessian train` checkpoints are not checkpoints") {
  ScratchDir dir;
  for (int64_t s : {0, 20, 37}) {
    char name[32];
    std::snprintf(name, sizeof name, "step-%09lld", static_cast<long long>(s));
    write_model(dir.file(std::string(name) + ".h5"), model_at(s));
    write_bytes(dir.file(std::string(name) + ".state.h5"), "an optimizer state, not a model");
  }
  check_models(list_checkpoints(dir.path()), {0, 20, 37});
  check_models(list_checkpoints(dir.file("step-*.h5")), {0, 20, 37});
  // Named alone, a state file is still an error naming it.
  CHECK_THROWS_WITH_AS(list_checkpoints(dir.file("step-000000020.state.h5")),
                       doctest::Contains("step-000000020.state.h5"), FileError);
}

TEST_CASE("a series file holds one model group per step, added one at a time") {
  ScratchDir dir;
  const std::string p = dir.file("run.h5");
  for (int64_t s : {300, 100, 200}) append_checkpoint(p, s, model_at(s));
  append_checkpoint(p, 100, model_at(100));  // replaced, not duplicated
  const std::vector<Checkpoint> list = list_checkpoints(p);
  check_models(list, {100, 200, 300});
  CHECK(list[0].label() == p + ":/step-00000100");
  // A series file inside a folder is expanded too.
  write_model(dir.file("step-00000050.h5"), model_at(50));
  check_models(list_checkpoints(dir.path()), {50, 100, 200, 300});
}

TEST_CASE("errors name what cannot be listed or read") {
  ScratchDir dir;
  CHECK(error_message<FileError>([&] { list_checkpoints(dir.path()); }) ==
        dir.path() + ": holds no checkpoints");
  const std::string glob = dir.file("*.h5");
  CHECK(error_message<FileError>([&] { list_checkpoints(glob); }) == glob + ": matches no file");
  const std::string other = dir.file("r.h5");
  {
    h5::File f = h5::File::create(other);
    f.set_attr("format", "hessian-results");
    f.close();
  }
  CHECK(error_message<FileError>([&] { list_checkpoints(other); }) ==
        other + ": is neither a model file nor a checkpoint series (format 'hessian-results')");
  CHECK(error_message<FileError>([&] { append_checkpoint(other, 1, model_at(1)); }) ==
        other + ": is not a checkpoint series (format 'hessian-results'); not adding to it");

  const std::string series = dir.file("series.h5");
  append_checkpoint(series, 7, model_at(7));
  {
    h5::File f = h5::File::open_write(series);
    f.group("step-00000007").set_attr("version", int64_t{9});
    f.close();
  }
  const std::vector<Checkpoint> list = list_checkpoints(series);
  CHECK(error_message<FileError>([&] { read_checkpoint(list[0]); }) ==
        series + ": /step-00000007: unknown model format version 9 (this engine reads 1)");
}
