// Tests of io/landscape_files: loss-landscape's surface, direction and projection files as its
// scripts read them (root datasets, (ny, nx) arrays, a scalar string `dir_file`, one dataset per
// block named by its index), directions round-tripping exactly, float32 directions (as PyTorch
// writes them) accepted, and files that do not fit the model refused with the file's name.
#include <doctest/doctest.h>

#include <hdf5.h>

#include "engine/arch.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/landscape_files.h"
#include "support/scratch_dir.h"

using namespace hess;
using namespace hess::test;

namespace {

Model cnn() {
  ArchOptions o;
  o.seed = 2;
  return build_arch("cnn:1x6x6-c3k3p1-pool2-4:relu", o);
}

std::vector<double> ramp(int64_t n, double scale) {
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = scale * static_cast<double>(i % 97) - 1.0;
  return v;
}

// The scalar string dataset `name` as h5py's f[name][()] sees it.
std::string scalar_string(const std::string& path, const std::string& name) {
  const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  const hid_t d = H5Dopen2(f, name.c_str(), H5P_DEFAULT);
  const hid_t space = H5Dget_space(d);
  const int rank = H5Sget_simple_extent_ndims(space);
  const hid_t type = H5Dget_type(d);
  const bool variable = H5Tis_variable_str(type) > 0;
  char* text = nullptr;
  const hid_t mem = H5Tcopy(H5T_C_S1);
  H5Tset_size(mem, H5T_VARIABLE);
  H5Tset_cset(mem, H5T_CSET_UTF8);
  H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, &text);
  std::string out = text ? text : "";
  H5free_memory(text);
  H5Tclose(mem);
  H5Tclose(type);
  H5Sclose(space);
  H5Dclose(d);
  H5Fclose(f);
  CHECK(rank == 0);
  CHECK(variable);
  return out;
}

}  // namespace

TEST_CASE("a surface file has loss-landscape's root datasets, (ny, nx) arrays and dir_file") {
  ScratchDir dir;
  SurfaceData s;
  s.xcoordinates = {-1.0, 0.0, 1.0};
  s.ycoordinates = {-0.5, 0.5};
  s.train_loss = {1, 2, 3, 4, 5, -1};
  s.train_acc = {10, 20, 30, 40, 50, -1};
  s.dir_file = "dirs.h5";
  s.attrs["dirs"] = std::string("random");
  write_surface_file(dir.file("s.h5"), s);
  CHECK(scalar_string(dir.file("s.h5"), "dir_file") == "dirs.h5");
  const h5::File f = h5::File::open_read(dir.file("s.h5"));
  CHECK(f.dataset("train_loss").shape() == Shape{2, 3});
  CHECK(f.dataset("train_acc").shape() == Shape{2, 3});
  CHECK(f.dataset("train_loss").dtype().cls == h5::DType::Float);
  CHECK(f.dataset("train_loss").read<double>() == s.train_loss);
  CHECK(f.dataset("train_acc").read<double>() == s.train_acc);
  CHECK(f.dataset("xcoordinates").read<double>() == s.xcoordinates);
  CHECK(f.dataset("ycoordinates").read<double>() == s.ycoordinates);
  CHECK(f.string_attr("dirs") == "random");
  CHECK_FALSE(temporary_left(dir.file("s.h5")));
  CHECK_FALSE(f.has("test_loss"));

  // A second data set's arrays, beside the training ones, in the same layout.
  s.test_loss = {6, 5, 4, 3, 2, -1};
  s.test_acc = {60, 50, 40, 30, 20, -1};
  write_surface_file(dir.file("t.h5"), s);
  const h5::File t = h5::File::open_read(dir.file("t.h5"));
  CHECK(t.dataset("test_loss").shape() == Shape{2, 3});
  CHECK(t.dataset("test_loss").read<double>() == s.test_loss);
  CHECK(t.dataset("test_acc").read<double>() == s.test_acc);
  CHECK(t.dataset("train_loss").read<double>() == s.train_loss);
  s.test_acc.clear();
  CHECK_THROWS_AS(write_surface_file(dir.file("bad-test.h5"), s), std::invalid_argument);

  SurfaceData one;
  one.xcoordinates = {0.0, 1.0};
  one.train_loss = {1, 2};
  one.train_acc = {3, 4};
  write_surface_file(dir.file("one.h5"), one);
  const h5::File g = h5::File::open_read(dir.file("one.h5"));
  CHECK(g.dataset("train_loss").shape() == Shape{2});
  CHECK_FALSE(g.has("ycoordinates"));
  CHECK_FALSE(g.has("test_loss"));
  CHECK_FALSE(g.has("test_acc"));
  one.train_acc.pop_back();
  CHECK_THROWS_AS(write_surface_file(dir.file("bad.h5"), one), std::invalid_argument);
}

TEST_CASE("directions round-trip exactly, one dataset per block in its shape; PCA extras") {
  ScratchDir dir;
  const Model m = cnn();
  const int64_t P = m.graph.num_params();
  const std::vector<double> dx = ramp(P, 0.013), dy = ramp(P, -0.007);
  write_direction_file(dir.file("d.h5"), m.graph, {dx, dy},
                       {{"explained_variance_ratio_", {0.7, 0.2}}});
  const h5::File f = h5::File::open_read(dir.file("d.h5"));
  REQUIRE(f.group("xdirection").children().size() == m.graph.blocks.size());
  for (size_t b = 0; b < m.graph.blocks.size(); ++b) {
    CHECK(f.group("ydirection").dataset(std::to_string(b)).shape() == m.graph.blocks[b].shape);
  }
  CHECK(f.dataset("explained_variance_ratio_").read<double>() == std::vector<double>{0.7, 0.2});
  const auto back = read_direction_file(dir.file("d.h5"), m.graph, 2);
  CHECK(back[0] == dx);
  CHECK(back[1] == dy);
  CHECK(read_direction_file(dir.file("d.h5"), m.graph, 1).size() == 1);

  write_direction_file(dir.file("x.h5"), m.graph, {dx});
  CHECK_THROWS_WITH_AS(read_direction_file(dir.file("x.h5"), m.graph, 2),
                       doctest::Contains("ydirection"), FileError);
  CHECK_THROWS_AS(write_direction_file(dir.file("short.h5"), m.graph, {{1.0, 2.0}}),
                  std::invalid_argument);
}

TEST_CASE("float32 directions are read; another model's directions are refused naming the file") {
  ScratchDir dir;
  const Model m = cnn();
  {
    h5::File f = h5::File::create(dir.file("torch.h5"));
    h5::Group g = f.create_group("xdirection");
    for (size_t b = 0; b < m.graph.blocks.size(); ++b) {
      const Block& blk = m.graph.blocks[b];
      std::vector<float> v(blk.size());
      for (int64_t i = 0; i < blk.size(); ++i) v[i] = 0.25f * static_cast<float>(i) - 1.0f;
      g.create_dataset<float>(std::to_string(b), blk.shape, v.data());
    }
    f.close();
  }
  const std::vector<double> d = read_direction_file(dir.file("torch.h5"), m.graph, 1)[0];
  for (const Block& blk : m.graph.blocks) {
    for (int64_t i = 0; i < blk.size(); ++i) CHECK(d[blk.offset + i] == 0.25 * i - 1.0);
  }

  ArchOptions o;
  const Model other = build_arch("cnn:1x6x6-c2k3p1-pool2-4:relu", o);
  write_direction_file(dir.file("other.h5"), other.graph, {ramp(other.graph.num_params(), 0.1)});
  CHECK_THROWS_WITH_AS(read_direction_file(dir.file("other.h5"), m.graph, 1),
                       doctest::Contains("other.h5"), FileError);
  CHECK_THROWS_WITH_AS(read_direction_file(dir.file("other.h5"), m.graph, 1),
                       doctest::Contains("shape"), FileError);
}

TEST_CASE("a projection file holds proj_xcoord and proj_ycoord") {
  ScratchDir dir;
  write_projection_file(dir.file("p.h5"), {1.0, 0.5, 0.0}, {-1.0, 0.25, 0.0});
  const h5::File f = h5::File::open_read(dir.file("p.h5"));
  CHECK(f.dataset("proj_xcoord").read<double>() == std::vector<double>{1.0, 0.5, 0.0});
  CHECK(f.dataset("proj_ycoord").read<double>() == std::vector<double>{-1.0, 0.25, 0.0});
  CHECK_THROWS_AS(write_projection_file(dir.file("q.h5"), {1.0}, {}), std::invalid_argument);
}
