// The seal of a progress group (io/progress_seal.h): intact after sealing, damaged by any change to
// an attribute, a dataset or a progress array made after the seal, intact again once resealed.
#include "io/progress_seal.h"

#include <doctest/doctest.h>

#include <vector>

#include "io/hdf5_dataset.h"
#include "io/hdf5_file.h"
#include "support/scratch_dir.h"

using namespace hess;

namespace {

h5::Group sealed_group(h5::File& f) {
  h5::Group g = f.create_group("landscape");
  g.set_attr("settings", "seed=3");
  const std::vector<double> dir{1.0, -2.0, 3.5};
  g.create_dataset<double>("xdirection", {3}, dir.data());
  h5::Dataset a = g.create_filled("train_loss", {2, 2}, -1.0);
  a.set_attr("missing_value", -1.0);
  seal_progress(g);
  return g;
}

}  // namespace

TEST_CASE("a direction changed in place after its hash was kept is damage, even resealed") {
  test::ScratchDir dir;
  h5::File f = h5::File::create(dir.file("p.h5"));
  h5::Group g = sealed_group(f);
  CHECK(progress_damage(g) == "");
  const double v = -1.06e255;
  g.dataset("xdirection").write_range(1, &v, 1);
  CHECK(progress_damage(g) == "its content does not match its seal");
  seal_progress(g);
  CHECK(progress_damage(g) == "its content does not match its seal");
}

TEST_CASE("a sealed group is intact; any change after the seal is damage until resealed") {
  test::ScratchDir dir;
  h5::File f = h5::File::create(dir.file("p.h5"));
  h5::Group g = sealed_group(f);
  CHECK(progress_damage(g) == "");

  SUBCASE("an attribute") {
    g.set_attr("settings", "seed=4");
  }
  SUBCASE("a progress array's value") {
    const double v = 0.25;
    g.dataset("train_loss").write_range(3, &v, 1);
  }
  SUBCASE("a dataset added") {
    const std::vector<double> y{0.0};
    g.create_dataset<double>("ydirection", {1}, y.data());
  }
  CHECK(progress_damage(g) == "its content does not match its seal");
  seal_progress(g);
  CHECK(progress_damage(g) == "");
}

TEST_CASE("a group never sealed is damaged") {
  test::ScratchDir dir;
  h5::File f = h5::File::create(dir.file("p.h5"));
  const h5::Group g = f.create_group("landscape");
  CHECK(progress_damage(g) == "it has no seal");
}
