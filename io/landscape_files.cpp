#include "io/landscape_files.h"

#include <hdf5.h>

#include <cmath>
#include <stdexcept>

#include "io/atomic_output.h"
#include "io/file_error.h"
#include "io/hdf5_file.h"
#include "io/hdf5_handle.h"

namespace hess {

namespace {

const char* const kDirectionGroups[] = {"xdirection", "ydirection"};

void write_vector(h5::Group& g, const std::string& name, const std::vector<double>& v) {
  g.create_dataset<double>(name, {static_cast<int64_t>(v.size())}, v.data());
}

// A scalar variable-length UTF-8 string dataset (what h5py makes of `f[name] = "text"`).
void write_scalar_string(h5::Group& g, const std::string& name, const std::string& value) {
  h5::Handle type(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  h5::Handle space(H5Screate(H5S_SCALAR));
  h5::Handle d(H5Dcreate2(g.id(), name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                          H5P_DEFAULT));
  if (!d) g.fail_hdf5("cannot create dataset '" + name + "'");
  const char* p = value.c_str();
  if (H5Dwrite(d.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &p) < 0) {
    g.fail_hdf5("cannot write dataset '" + name + "'");
  }
}

}  // namespace

void write_surface_file(const std::string& path, const SurfaceData& s) {
  const bool two_d = !s.ycoordinates.empty();
  const size_t nx = s.xcoordinates.size(), ny = two_d ? s.ycoordinates.size() : 1;
  if (s.train_loss.size() != nx * ny || s.train_acc.size() != nx * ny) {
    throw std::invalid_argument("surface: train_loss and train_acc must have ny·nx values");
  }
  const bool test = !s.test_loss.empty() || !s.test_acc.empty();
  if (test && (s.test_loss.size() != nx * ny || s.test_acc.size() != nx * ny)) {
    throw std::invalid_argument("surface: test_loss and test_acc must both have ny·nx values");
  }
  AtomicOutput out(path, OutputKind::hdf5_file(""));
  {
    h5::File f = h5::File::create(out.partial_path());
    write_scalar_string(f, "dir_file", s.dir_file);
    write_vector(f, "xcoordinates", s.xcoordinates);
    if (two_d) write_vector(f, "ycoordinates", s.ycoordinates);
    const Shape shape = two_d ? Shape{static_cast<int64_t>(ny), static_cast<int64_t>(nx)}
                              : Shape{static_cast<int64_t>(nx)};
    f.create_dataset<double>("train_loss", shape, s.train_loss.data());
    f.create_dataset<double>("train_acc", shape, s.train_acc.data());
    if (test) {
      f.create_dataset<double>("test_loss", shape, s.test_loss.data());
      f.create_dataset<double>("test_acc", shape, s.test_acc.data());
    }
    for (const auto& [name, value] : s.attrs) f.set_attr(name, value);
    f.close();
  }
  out.commit();
}

void write_direction_file(const std::string& path, const Graph& graph,
                          const std::vector<std::vector<double>>& directions,
                          const std::map<std::string, std::vector<double>>& extra) {
  if (directions.empty() || directions.size() > 2) {
    throw std::invalid_argument("directions: a direction file holds 1 or 2 directions");
  }
  for (const std::vector<double>& d : directions) {
    if (static_cast<int64_t>(d.size()) != graph.num_params()) {
      throw std::invalid_argument("directions: length " + std::to_string(d.size()) +
                                  ", the model has " + std::to_string(graph.num_params()) +
                                  " parameters");
    }
  }
  AtomicOutput out(path, OutputKind::hdf5_file(""));
  {
    h5::File f = h5::File::create(out.partial_path());
    for (size_t k = 0; k < directions.size(); ++k) {
      h5::Group g = f.create_group(kDirectionGroups[k]);
      for (size_t b = 0; b < graph.blocks.size(); ++b) {
        const Block& block = graph.blocks[b];
        g.create_dataset<double>(std::to_string(b), block.shape,
                                 directions[k].data() + block.offset);
      }
    }
    for (const auto& [name, values] : extra) write_vector(f, name, values);
    f.close();
  }
  out.commit();
}

std::vector<std::vector<double>> read_direction_file(const std::string& path, const Graph& graph,
                                                     int count) {
  if (count < 1 || count > 2) throw std::invalid_argument("directions: count must be 1 or 2");
  const h5::File f = h5::File::open_read(path);
  std::vector<std::vector<double>> out;
  for (int k = 0; k < count; ++k) {
    const std::string name = kDirectionGroups[k];
    if (!f.has_group(name)) {
      f.fail("no group '" + name + "' (a direction file of loss-landscape's schema)" +
             (k == 1 ? "; a 2-D landscape needs two directions" : ""));
    }
    const h5::Group g = f.group(name);
    const size_t blocks = g.children().size();
    if (blocks != graph.blocks.size()) {
      f.fail("'" + name + "' holds " + std::to_string(blocks) + " arrays, the model has " +
             std::to_string(graph.blocks.size()) + " parameter blocks");
    }
    std::vector<double> d(static_cast<size_t>(graph.num_params()));
    for (size_t b = 0; b < graph.blocks.size(); ++b) {
      const Block& block = graph.blocks[b];
      const h5::Dataset ds = g.dataset(std::to_string(b));
      if (ds.shape() != block.shape) {
        ds.fail("has shape " + to_string(ds.shape()) + ", block '" + block.name + "' has " +
                to_string(block.shape));
      }
      if (ds.dtype().cls != h5::DType::Float) ds.fail("is not a floating-point array");
      const std::vector<double> v = ds.read<double>();
      for (size_t i = 0; i < v.size(); ++i) {
        if (!std::isfinite(v[i])) ds.fail("holds a value that is not finite");
        d[block.offset + i] = v[i];
      }
    }
    out.push_back(std::move(d));
  }
  return out;
}

void write_projection_file(const std::string& path, const std::vector<double>& x,
                           const std::vector<double>& y) {
  if (x.size() != y.size()) throw std::invalid_argument("projection: x and y differ in length");
  AtomicOutput out(path, OutputKind::hdf5_file(""));
  {
    h5::File f = h5::File::create(out.partial_path());
    write_vector(f, "proj_xcoord", x);
    write_vector(f, "proj_ycoord", y);
    f.close();
  }
  out.commit();
}

}  // namespace hess
