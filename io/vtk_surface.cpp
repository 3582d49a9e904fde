#include "io/vtk_surface.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "io/atomic_output.h"

namespace hess {

namespace {

// log(z + 0.1), as h52vtp.py's --log.
constexpr double kLogOffset = 0.1;
constexpr int kValuesPerLine = 6;

std::string number(double v) {
  if (!std::isfinite(v)) return "nan";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

// A DataArray element with its values, kValuesPerLine per line.
void data_array(std::string& out, const char* type, const std::string& name, int components,
                const std::vector<std::string>& values) {
  out += "        <DataArray type=\"" + std::string(type) + "\" Name=\"" + name +
         "\" NumberOfComponents=\"" + std::to_string(components) + "\" format=\"ascii\">\n";
  for (size_t k = 0; k < values.size(); ++k) {
    out += (k % kValuesPerLine == 0 ? "          " : " ") + values[k];
    if (k % kValuesPerLine == kValuesPerLine - 1 || k + 1 == values.size()) out += "\n";
  }
  out += "        </DataArray>\n";
}

std::vector<std::string> numbers(const std::vector<double>& v) {
  std::vector<std::string> s;
  s.reserve(v.size());
  for (double x : v) s.push_back(number(x));
  return s;
}

}  // namespace

std::string vtk_surface_text(const VtkSurface& surface, const VtkOptions& options) {
  const size_t nx = surface.x.size(), ny = surface.y.size();
  if (nx < 2 || ny < 2)
    throw std::invalid_argument("vtk: a surface needs at least 2 points per axis");
  if (surface.arrays.empty()) throw std::invalid_argument("vtk: no values to write");
  const size_t n = nx * ny;
  auto clean = [&](double v) {
    return (v == options.not_computed || !std::isfinite(v))
               ? std::numeric_limits<double>::quiet_NaN()
               : v;
  };
  std::vector<std::pair<std::string, std::vector<double>>> arrays;
  for (const auto& [name, values] : surface.arrays) {
    if (values.size() != n) {
      throw std::invalid_argument("vtk: array '" + name + "' has " + std::to_string(values.size()) +
                                  " values, the grid " + std::to_string(n));
    }
    std::vector<double> c(n);
    std::transform(values.begin(), values.end(), c.begin(), clean);
    arrays.emplace_back(name, std::move(c));
  }
  std::vector<double> z = arrays.front().second;
  for (double& v : z) {
    if (options.zmax > 0 && v > options.zmax) v = options.zmax;
    if (options.log) v = std::log(v + kLogOffset);
  }
  const size_t polys = (nx - 1) * (ny - 1);

  std::string out;
  out += "<?xml version=\"1.0\"?>\n";
  out +=
      "<VTKFile type=\"PolyData\" version=\"1.0\" byte_order=\"LittleEndian\" "
      "header_type=\"UInt64\">\n";
  out += "  <PolyData>\n";
  out += "    <Piece NumberOfPoints=\"" + std::to_string(n) +
         "\" NumberOfVerts=\"0\" NumberOfLines=\"0\" NumberOfStrips=\"0\" NumberOfPolys=\"" +
         std::to_string(polys) + "\">\n";
  out += "      <PointData Scalars=\"zvalue\">\n";
  data_array(out, "Float64", "zvalue", 1, numbers(z));
  for (const auto& [name, values] : arrays) data_array(out, "Float64", name, 1, numbers(values));
  out += "      </PointData>\n";

  std::vector<double> averaged;
  std::vector<std::string> connectivity, offsets;
  for (size_t j = 0; j + 1 < ny; ++j) {
    for (size_t i = 0; i + 1 < nx; ++i) {
      const size_t a = j * nx + i, b = a + 1, c = a + nx + 1, d = a + nx;
      averaged.push_back((z[a] + z[b] + z[c] + z[d]) / 4.0);
      for (size_t corner : {a, b, c, d}) connectivity.push_back(std::to_string(corner));
      offsets.push_back(std::to_string(4 * averaged.size()));
    }
  }
  out += "      <CellData>\n";
  data_array(out, "Float64", "averaged zvalue", 1, numbers(averaged));
  out += "      </CellData>\n";

  std::vector<std::string> points;
  for (size_t j = 0; j < ny; ++j) {
    for (size_t i = 0; i < nx; ++i) {
      points.push_back(number(surface.x[i]));
      points.push_back(number(surface.y[j]));
      points.push_back(number(z[j * nx + i]));
    }
  }
  out += "      <Points>\n";
  data_array(out, "Float64", "Points", 3, points);
  out += "      </Points>\n";
  out += "      <Polys>\n";
  data_array(out, "Int64", "connectivity", 1, connectivity);
  data_array(out, "Int64", "offsets", 1, offsets);
  out += "      </Polys>\n";
  out += "    </Piece>\n  </PolyData>\n</VTKFile>\n";
  return out;
}

void write_vtk_surface(const std::string& path, const VtkSurface& surface,
                       const VtkOptions& options) {
  write_file_atomically(path, vtk_surface_text(surface, options));
}

}  // namespace hess
