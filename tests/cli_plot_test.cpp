// Tests of `hessian plot` (tools/cmd_plot.cpp, runs/plot_run.h), running the built binary on result
// files the other commands wrote from the bundled sample (every group kind: eigen, trace, density,
// report, diag, 2-D and 1-D landscape, roughness, sharpness), on groups written in the documented
// schemas of eos, sensitivity and a PCA landscape, and on a training log: one figure set
// per group; the eigenvalues drawn where the axes put the values stored in the file; SVG files
// well-formed and the HTML holding one <svg> per figure; the same bytes when run twice; --groups,
// --png-dir (rsvg-convert); bad input gives one-line errors, exit 1 or 2, and no HTML.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include "io/hdf5_file.h"
#include "io/result_file.h"
#include "io/result_reader.h"
#include "support/run_cli.h"
#include "support/scratch_dir.h"
#include "support/svg_axes.h"
#include "support/svg_doc.h"

using namespace hess;
using namespace hess::test;

namespace {

const std::string kModel = bundled_sample("digits-mlp.h5");
const std::string kData = bundled_sample("digits.h5");

void ok(const std::vector<std::string>& args, const std::string& dir) {
  const CliRun r = run_hessian(args, dir);
  INFO(r.err);
  REQUIRE(r.code == 0);
}

// A folder with all.h5 (every group kind, 2-D landscape), line.h5 (a 1-D landscape) and run/ (a
// training log), made once.
const ScratchDir& fixtures() {
  static ScratchDir dir;
  static bool made = false;
  if (made) return dir;
  const std::string d = dir.path();
  const std::vector<std::string> in = {"--model",   kModel, "--data", kData,
                                       "--samples", "200",  "--quiet"};
  auto with = [&](std::vector<std::string> a) {
    a.insert(a.end(), in.begin(), in.end());
    return a;
  };
  ok(with({"report", "--out", "all.h5", "--report", "r.md", "--k", "3", "--probes", "12", "--runs",
           "2", "--steps", "20"}),
     d);
  ok(with({"diag", "--probes", "4", "--out", "all.h5"}), d);
  ok(with({"eigen", "--per-layer", "--k", "2", "--out", "all.h5"}), d);
  ok(with({"landscape", "--x", "-1:1:11", "--y", "-1:1:9", "--out", "all.h5"}), d);
  ok(with({"roughness", "--directions", "6", "--points", "6", "--out", "all.h5"}), d);
  ok(with({"sharpness", "--draws", "3", "--steps", "2", "--trace-products", "9",
           "--frobenius-probes", "3", "--out", "all.h5"}),
     d);
  ok(with({"landscape", "--x", "-1:1:15", "--out", "line.h5"}), d);
  ok({"train", "--arch", "mlp:64-16-10:tanh", "--data", kData, "--samples", "200", "--optimizer",
      "gd", "--steps", "6", "--out", "run", "--quiet"},
     d);
  made = true;
  return dir;
}

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("every group of a result file becomes figures in one HTML page and SVG files") {
  const ScratchDir& fx = fixtures();
  ScratchDir out;
  const std::string all = fx.file("all.h5");
  const CliRun r =
      run_hessian({"plot", all, "--html", "p.html", "--svg-dir", "svg", "--json"}, out.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  const int figures = static_cast<int>(json_field(r.out, "figures"));
  // eigen 1, eigen_per_layer 1, density 2, trace 1, diag 1 + 2 layer histograms, landscape 2,
  // roughness 1, sharpness 2
  CHECK(figures == 13);
  const std::string html = read_bytes(out.file("p.html"));
  CHECK(count(html, "<svg ") == figures);
  CHECK(count(html, "<figcaption>") == figures);
  CHECK(html.find("<script") == std::string::npos);
  CHECK(html.find("http://") == html.find("http://www.w3.org/2000/svg"));  // only the namespace
  CHECK(html.find("https://") == std::string::npos);
  for (const char* g : {"eigen", "eigen_per_layer", "density", "trace", "diag", "landscape",
                        "roughness", "sharpness"})
    CHECK(html.find(std::string("<h2>") + g + "</h2>") != std::string::npos);
  const ResultReader rr(all);
  const ResultMetadata m = rr.group("eigen").metadata();
  CHECK(html.find(m.model_sha256) != std::string::npos);
  CHECK(html.find(m.data_sha256) != std::string::npos);
  CHECK(list_files(out.file("svg")).size() == static_cast<size_t>(figures));
  for (const std::string& name : list_files(out.file("svg"))) {
    CAPTURE(name);
    const SvgDoc doc(read_bytes(out.file("svg/" + name)));  // well-formed XML
    CHECK(!doc.named("text").empty());
    const SvgElement& root = doc.elements.front();
    check_text_layout(doc, root.number("width"), root.number("height"));  // no overlapping texts
  }

  // the eigenvalues of the file land where the figure's axes put them
  const SvgDoc eig(read_bytes(out.file("svg/eigen-values.svg")));
  const AxisMap y = axis_map(eig, "ytick", false);
  const std::vector<double> ev = rr.group("eigen").values("eigenvalues");
  const auto markers = eig.with_class("marker");
  REQUIRE(markers.size() >= ev.size());
  for (size_t i = 0; i < ev.size(); ++i)
    CHECK(std::fabs(markers[i]->number("cy") - y.pixel(ev[i])) < kSvgPixel);

  // each layer's eigenvalues land where the per-layer figure's axes put them, λ1 series first
  const SvgDoc per(read_bytes(out.file("svg/eigen_per_layer-layers.svg")));
  const AxisMap py = axis_map(per, "ytick", false);
  const ResultArray pl = rr.group("eigen_per_layer").array("eigenvalues");
  REQUIRE(pl.shape.size() == 2);
  const auto pm = per.with_class("marker");
  REQUIRE(pm.size() == pl.values.size());
  const size_t layers = static_cast<size_t>(pl.shape[0]), k = static_cast<size_t>(pl.shape[1]);
  for (size_t j = 0; j < k; ++j)
    for (size_t i = 0; i < layers; ++i)
      CHECK(std::fabs(pm[j * layers + i]->number("cy") - py.pixel(pl.values[i * k + j])) <
            kSvgPixel);

  // the contour's levels: every labelled level within the landscape's loss range
  const SvgDoc land(read_bytes(out.file("svg/landscape-contour.svg")));
  const std::vector<double> loss = rr.group("landscape").values("train_loss");
  double lo = INFINITY, hi = -INFINITY;
  for (double v : loss) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(!land.with_class("contour").empty());
  for (const SvgElement* c : land.with_class("contour")) {
    CHECK(c->number("data-level") > lo);
    CHECK(c->number("data-level") < hi);
  }

  // the same files again: the same bytes
  const CliRun again =
      run_hessian({"plot", all, "--html", "q.html", "--svg-dir", "svg2"}, out.path());
  REQUIRE(again.code == 0);
  CHECK(read_bytes(out.file("q.html")) == html);
  for (const std::string& name : list_files(out.file("svg")))
    CHECK(read_bytes(out.file("svg2/" + name)) == read_bytes(out.file("svg/" + name)));
}

TEST_CASE("a 1-D landscape, a training log, several files in one page") {
  const ScratchDir& fx = fixtures();
  ScratchDir out;
  const CliRun r =
      run_hessian({"plot", fx.file("line.h5"), fx.file("run/train_log.h5"), "--json"}, out.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_field(r.out, "figures") == 2);
  const std::string html = read_bytes(out.file("plots.html"));  // the default page
  CHECK(count(html, "<svg ") == 2);
  CHECK(html.find("id=\"f1-landscape-curve\"") != std::string::npos);
  CHECK(html.find("id=\"f2-train-loss\"") != std::string::npos);
  CHECK(html.find("y2tick") != std::string::npos);  // accuracy on the twin axis
}

TEST_CASE("--groups picks groups; --png-dir writes PNGs through rsvg-convert") {
  const ScratchDir& fx = fixtures();
  ScratchDir out;
  const CliRun r = run_hessian(
      {"plot", fx.file("all.h5"), "--groups", "eigen", "trace", "--png-dir", "png", "--json"},
      out.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK(json_field(r.out, "figures") == 2);
  CHECK(list_files(out.file("png")) ==
        std::set<std::string>{"eigen-values.png", "trace-layers.png"});
  CHECK(read_bytes(out.file("png/eigen-values.png")).substr(0, 8) == "\x89PNG\r\n\x1a\n");
  CHECK(!file_exists(out.file("plots.html")));  // an output was given: no default page
}

TEST_CASE(
    "edge-of-stability series (/eos, a training log's /sharpness), sensitivity groups, a PCA "
    "path") {
  // the schemas of docs/formats.md and docs/cli.md, written directly
  const ScratchDir& fx = fixtures();
  ScratchDir out;
  const std::vector<int64_t> step = {0, 10, 20, 30, 40};
  const std::vector<double> ev = {1.0, 0.5, 1.5, 0.7, 1.9, 0.8, 2.05, 0.9, 1.97, 0.95};
  const std::vector<double> thr = {2, 2, 2, 2, 2}, loss = {2.3, 1.9, 1.6, 1.7, 1.4};
  {
    ResultFile rf(out.file("synth.h5"));
    ResultGroup& e = rf.group("eos");
    e.write("step", step);
    e.write("eigenvalues", ev.data(), {5, 2});
    e.write("threshold", thr);
    e.write("loss", loss);
    e.attr("onset_step", 30.0);
    e.attr("max_ratio", 1.025);
    e.attr("eos_fraction", 1.0);
    e.attr("threshold_rule", std::string("2/lr"));
    ResultGroup& s = rf.group("sensitivity");
    s.write("blocks", std::vector<std::string>{"fc1.weight", "fc2.weight", "out.weight"});
    s.write("bits", std::vector<int64_t>{4, 8});
    const std::vector<double> pred = {1e-2, 1e-4, 3e-3, 2e-5, 5e-4, 1e-6};
    const std::vector<double> meas = {1.2e-2, 1.1e-4, 2.5e-3, 2.2e-5, 6e-4, 1.1e-6};
    s.write("predicted_dloss", pred.data(), {3, 2});
    s.write("measured_dloss", meas.data(), {3, 2});
    s.write("ranking", std::vector<std::string>{"fc1.weight", "fc2.weight", "out.weight"});
    s.attr("spearman_predicted", 1.0);
    ResultGroup& a = rf.group("allocation");
    a.write("bits_per_block", std::vector<int64_t>{8, 4, 4});
    a.attr("size_bytes", 1234.0);
    ResultGroup& l = rf.group("landscape");  // a 2-D landscape with a PCA path
    const std::vector<double> xs = {-1, 0, 1, 2}, ys = {-1, 0, 1};
    std::vector<double> z;
    for (double yv : ys)
      for (double xv : xs) z.push_back(1 + xv * xv + 2 * yv * yv);
    l.write("xcoordinates", xs);
    l.write("ycoordinates", ys);
    l.write("train_loss", z.data(), {3, 4});
    l.write("proj_xcoord", std::vector<double>{1.5, 0.8, 0.1});
    l.write("proj_ycoord", std::vector<double>{0.7, 0.3, 0.05});
    l.attr("dirs", std::string("pca"));
    ResultGroup& p = rf.group("pareto");
    p.write("size_bytes", std::vector<double>{500, 800, 1200});
    p.write("predicted_dloss", std::vector<double>{1e-2, 1e-3, 1e-5});
    p.write("measured_dloss", std::vector<double>{1.2e-2, 1.1e-3, 1.3e-5});
    rf.commit(ResultMetadata{});
  }
  const CliRun r =
      run_hessian({"plot", out.file("synth.h5"), "--svg-dir", "s", "--json"}, out.path());
  INFO(r.err);
  REQUIRE(r.code == 0);
  // eos 2, sensitivity 1, allocation 1, pareto 1, landscape 2
  CHECK(json_field(r.out, "figures") == 7);
  const SvgDoc pca(read_bytes(out.file("s/landscape-contour.svg")));
  const AxisMap px = axis_map(pca, "xtick", false), py = axis_map(pca, "ytick", false);
  const auto path = pca.with_class("marker");
  REQUIRE(path.size() == 3);
  CHECK(std::fabs(path[0]->number("cx") - px.pixel(1.5)) < kSvgPixel);
  CHECK(std::fabs(path[0]->number("cy") - py.pixel(0.7)) < kSvgPixel);
  CHECK(std::fabs(path[2]->number("cx") - px.pixel(0.1)) < kSvgPixel);
  CHECK(std::fabs(path[2]->number("cy") - py.pixel(0.05)) < kSvgPixel);
  const SvgDoc eos(read_bytes(out.file("s/eos-sharpness.svg")));
  const AxisMap x = axis_map(eos, "xtick", false), y = axis_map(eos, "ytick", false);
  const auto lines = eos.with_class("line");
  REQUIRE(lines.size() == 3);  // lambda_1, lambda_2, the threshold
  const auto l1 = path_points(lines[0]->attr("points"));
  REQUIRE(l1.size() == 5);
  for (size_t i = 0; i < 5; ++i) {
    CHECK(std::fabs(l1[i].first - x.pixel(static_cast<double>(step[i]))) < kSvgPixel);
    CHECK(std::fabs(l1[i].second - y.pixel(ev[2 * i])) < kSvgPixel);
  }
  const auto onset = eos.with_class("ref");
  REQUIRE(onset.size() == 1);
  CHECK(std::fabs(onset[0]->number("x1") - x.pixel(30)) < kSvgPixel);
  // the loss figure shares the step axis
  const SvgDoc lossfig(read_bytes(out.file("s/eos-loss.svg")));
  CHECK(axis_map(lossfig, "xtick", false).values == x.values);
  // measured loss changes on the log axis, one marker per block and width
  const SvgDoc sens(read_bytes(out.file("s/sensitivity-blocks.svg")));
  const AxisMap ly = axis_map(sens, "ytick", true);
  const auto dots = sens.with_class("marker");
  REQUIRE(dots.size() == 6);
  CHECK(std::fabs(dots[0]->number("cy") - ly.pixel(1.2e-2)) < kSvgPixel);  // fc1 at 4 bits
  CHECK(std::fabs(dots[5]->number("cy") - ly.pixel(1.1e-6)) < kSvgPixel);  // out at 8 bits

  // a training log with a /sharpness series: its figures join the log's
  write_bytes(out.file("log.h5"), read_bytes(fx.file("run/train_log.h5")));
  {
    h5::File f = h5::File::open_write(out.file("log.h5"));
    h5::Group g = f.create_group("sharpness");
    g.create_dataset("step", {5}, step.data());
    g.create_dataset("eigenvalues", {5, 2}, ev.data());
    g.create_dataset("threshold", {5}, thr.data());
    g.create_dataset("loss", {5}, loss.data());
    g.set_attr("onset_step", 30.0);
  }
  const CliRun t = run_hessian({"plot", out.file("log.h5"), "--json"}, out.path());
  INFO(t.err);
  REQUIRE(t.code == 0);
  CHECK(json_field(t.out, "figures") == 3);  // train-loss, eos-sharpness, eos-loss
}

TEST_CASE("bad input: one-line errors naming the flag or file, exit 1 or 2, no HTML") {
  const ScratchDir& fx = fixtures();
  ScratchDir out;
  auto no_page = [&] {
    CHECK(!file_exists(out.file("p.html")));
    CHECK_FALSE(temporary_left(out.file("p.html")));
  };

  // a result file with no plottable group names the groups it holds
  {
    ResultFile rf(out.file("other.h5"));
    rf.group("custom").attr("note", std::string("x"));
    rf.commit(ResultMetadata{});
  }
  CliRun r = run_hessian({"plot", out.file("other.h5"), "--html", "p.html"}, out.path());
  CHECK(r.code == 1);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("other.h5") != std::string::npos);
  CHECK(r.err.find("no plottable group (it holds: custom") != std::string::npos);
  no_page();

  // a truncated result file; a good file before it changes nothing
  write_bytes(out.file("cut.h5"), read_bytes(fx.file("all.h5")));
  truncate_file(out.file("cut.h5"), 3000);
  r = run_hessian({"plot", fx.file("all.h5"), out.file("cut.h5"), "--html", "p.html"}, out.path());
  CHECK(r.code == 1);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("cut.h5") != std::string::npos);
  no_page();

  // a file that is not HDF5; a missing file
  write_bytes(out.file("text.h5"), "not an HDF5 file\n");
  r = run_hessian({"plot", out.file("text.h5"), "--html", "p.html"}, out.path());
  CHECK(r.code == 1);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("text.h5") != std::string::npos);
  r = run_hessian({"plot", out.file("absent.h5"), "--html", "p.html"}, out.path());
  CHECK(r.code == 1);
  CHECK(r.err.find("absent.h5") != std::string::npos);
  no_page();

  // an output that cannot be written
  r = run_hessian({"plot", fx.file("all.h5"), "--html", "no/such/dir/p.html"}, out.path());
  CHECK(r.code == 1);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("no/such/dir/p.html") != std::string::npos);
  write_bytes(out.file("afile"), "x");
  r = run_hessian({"plot", fx.file("all.h5"), "--svg-dir", "afile/svg", "--html", "p.html"},
                  out.path());
  CHECK(r.code == 1);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("afile/svg") != std::string::npos);
  no_page();

  // usage errors
  r = run_hessian({"plot", fx.file("all.h5"), "--groups", "nonsense", "--html", "p.html"},
                  out.path());
  CHECK(r.code == 2);
  CHECK(is_one_error_line(r));
  CHECK(r.err.find("--groups") != std::string::npos);
  CHECK(r.err.find("nonsense") != std::string::npos);
  r = run_hessian({"plot", "--html", "p.html"}, out.path());
  CHECK(r.code == 2);
  CHECK(is_one_error_line(r));
  no_page();
}
