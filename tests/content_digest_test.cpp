// Content digests (io/content_digest): the same model or data set written to two files (different
// bytes: HDF5 stamps modification times) digests the same; any change of a value, a shape, a
// label kind or the graph digests differently. And io/sha256's incremental form against FIPS
// 180-4's test vector.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "engine/arch.h"
#include "io/content_digest.h"
#include "io/data_file.h"
#include "io/model_file.h"
#include "io/sha256.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

// Longer than HDF5's one-second modification-time resolution.
constexpr std::chrono::milliseconds kNextSecond{1100};

Dataset small_data() {
  Dataset d;
  d.sample_shape = {1, 2, 2};
  for (int i = 0; i < 12; ++i) d.x.push_back(static_cast<float>(i) / 3.0f);
  d.labels = {0, 2, 1};
  return d;
}

}  // namespace

TEST_CASE("SHA-256 fed in pieces is the digest of the whole (FIPS 180-4 'abc')") {
  Sha256 s;
  s.update("a", 1);
  s.update("bc", 2);
  CHECK(s.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(sha256_hex("abc", 3) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the same values in two files digest the same; other values, shapes or graphs do not") {
  ScratchDir dir;
  ArchOptions a;
  a.seed = 3;
  const Model m = build_arch("mlp:4-5-3:tanh", a);
  const Dataset d = small_data();
  write_model(dir.file("m1.h5"), m);
  write_data(dir.file("d1.h5"), d, {"here", "none"});
  std::this_thread::sleep_for(kNextSecond);
  write_model(dir.file("m2.h5"), m);
  write_data(dir.file("d2.h5"), d, {"elsewhere", "another note"});
  // The files differ (the premise), their contents do not.
  REQUIRE(read_bytes(dir.file("d1.h5")) != read_bytes(dir.file("d2.h5")));
  REQUIRE(read_bytes(dir.file("m1.h5")) != read_bytes(dir.file("m2.h5")));
  CHECK(model_digest(read_model(dir.file("m1.h5"))) == model_digest(read_model(dir.file("m2.h5"))));
  CHECK(data_digest(read_data(dir.file("d1.h5"))) == data_digest(read_data(dir.file("d2.h5"))));
  CHECK(model_digest(m) == model_digest(read_model(dir.file("m1.h5"))));
  CHECK(model_digest(m).size() == 64);

  Model theta = m;
  theta.theta[7] = std::nextafter(theta.theta[7], 1.0);
  CHECK(model_digest(theta) != model_digest(m));
  Model graph = m;
  graph.graph.blocks[0].name = "renamed.weight";
  CHECK(model_digest(graph) != model_digest(m));
  Model op = m;
  op.graph.nodes.back().attrs.set("extra", int64_t{1});
  CHECK(model_digest(op) != model_digest(m));
  a.seed = 4;
  CHECK(model_digest(build_arch("mlp:4-5-3:tanh", a)) != model_digest(m));

  Dataset x = d;
  x.x[11] = std::nextafter(x.x[11], 0.0f);
  CHECK(data_digest(x) != data_digest(d));
  Dataset label = d;
  label.labels[2] = 0;
  CHECK(data_digest(label) != data_digest(d));
  Dataset shape = d;
  shape.sample_shape = {4};
  CHECK(data_digest(shape) != data_digest(d));
  Dataset targets = d;
  targets.labels.clear();
  targets.target_dim = 1;
  targets.targets = {0, 2, 1};
  CHECK(data_digest(targets) != data_digest(d));
}
