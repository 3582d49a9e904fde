// Tests of io/vtk_surface: a non-square grid's points, quads and arrays, read back from the XML.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "io/vtk_surface.h"
#include "support/scratch_dir.h"

using namespace hess;

namespace {

// The whitespace-separated values of the DataArray named `name` (the first one of that name).
std::vector<std::string> array_values(const std::string& text, const std::string& name) {
  const size_t at = text.find("Name=\"" + name + "\"");
  REQUIRE(at != std::string::npos);
  const size_t begin = text.find('>', at) + 1;
  const size_t end = text.find("</DataArray>", begin);
  std::istringstream in(text.substr(begin, end - begin));
  std::vector<std::string> v;
  for (std::string s; in >> s;) v.push_back(s);
  return v;
}

std::string attribute(const std::string& text, const std::string& name) {
  const size_t at = text.find(name + "=\"");
  REQUIRE(at != std::string::npos);
  const size_t begin = at + name.size() + 2;
  return text.substr(begin, text.find('"', begin) - begin);
}

}  // namespace

TEST_CASE("a 3 x 2 grid: points in (ny, nx) order, quads per cell, arrays by name") {
  VtkSurface s;
  s.x = {-1.0, 0.0, 1.0};
  s.y = {10.0, 20.0};
  s.arrays = {{"train_loss", {1, 2, 3, 4, 5, 6}}, {"train_acc", {90, 80, 70, 60, 50, -1}}};
  const std::string text = vtk_surface_text(s, {});
  CHECK(attribute(text, "NumberOfPoints") == "6");
  CHECK(attribute(text, "NumberOfPolys") == "2");
  const std::vector<std::string> points = array_values(text, "Points");
  REQUIRE(points.size() == 18);
  // point j·nx + i = (x_i, y_j, loss[j][i]); point 4 is (i = 1, j = 1).
  CHECK(points[12] == "0");
  CHECK(points[13] == "20");
  CHECK(points[14] == "5");
  CHECK(array_values(text, "connectivity") ==
        std::vector<std::string>{"0", "1", "4", "3", "1", "2", "5", "4"});
  CHECK(array_values(text, "offsets") == std::vector<std::string>{"4", "8"});
  CHECK(array_values(text, "train_acc").back() == "nan");  // -1: not computed
  CHECK(array_values(text, "averaged zvalue") == std::vector<std::string>{"3", "4"});
}

TEST_CASE("zmax clips and log transforms the heights, not the named arrays") {
  VtkSurface s{{0, 1}, {0, 1}, {{"train_loss", {1, 100, 2, 3}}}};
  VtkOptions o;
  o.zmax = 10;
  o.log = true;
  const std::string text = vtk_surface_text(s, o);
  const std::vector<std::string> z = array_values(text, "zvalue");
  CHECK(std::stod(z[1]) == doctest::Approx(std::log(10.1)));
  CHECK(std::stod(z[0]) == doctest::Approx(std::log(1.1)));
  CHECK(array_values(text, "train_loss")[1] == "100");
}

TEST_CASE("bad surfaces are refused; the file is written whole") {
  CHECK_THROWS_AS(vtk_surface_text({{0}, {0, 1}, {{"a", {1, 2}}}}, {}), std::invalid_argument);
  CHECK_THROWS_WITH_AS(vtk_surface_text({{0, 1}, {0, 1}, {{"train_loss", {1, 2, 3}}}}, {}),
                       doctest::Contains("train_loss"), std::invalid_argument);
  CHECK_THROWS_AS(vtk_surface_text({{0, 1}, {0, 1}, {}}, {}), std::invalid_argument);
  const std::string path = "vtk_surface_test.vtp";
  const VtkSurface s{{0, 1}, {0, 1}, {{"train_loss", {1, 2, 3, 4}}}};
  write_vtk_surface(path, s, {});
  std::ifstream in(path);
  std::stringstream buf;
  buf << in.rdbuf();
  CHECK(buf.str() == vtk_surface_text(s, {}));
  CHECK_FALSE(hess::test::temporary_left(path));
  std::remove(path.c_str());
  CHECK_THROWS_WITH_AS(write_vtk_surface("no-such-dir/x.vtp", s, {}),
                       doctest::Contains("no-such-dir/x.vtp"), std::runtime_error);
}
