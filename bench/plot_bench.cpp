// plot_bench: the cost of drawing a 101 x 101 loss landscape (issue 15: under a second). Times
// render_svg of the filled contours with labelled lines, the heat map and the log-colour contours
// of a synthetic surface (a tilted quadratic bowl with ripples, so contours are long and wiggly),
// and `hessian plot`'s whole path (runs::plot: read the /landscape group of a result file in a
// child process, render both figures, write the HTML page). Prints the median of --reps runs and
// the output sizes; asserts nothing.
//
//   ./build/bench/plot_bench [--reps N] [--n N]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <unistd.h>

#include "io/result_file.h"
#include "plot/render.h"
#include "runs/plot_run.h"

namespace {

double median_seconds(int reps, const std::function<void()>& work) {
  std::vector<double> t;
  for (int r = 0; r < reps; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5, n = 101;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--reps") reps = std::atoi(argv[i + 1]);
    if (a == "--n") n = std::atoi(argv[i + 1]);
  }
  hess::plot::Field field;
  for (int i = 0; i < n; ++i) field.grid.xs.push_back(-1 + 2.0 * i / (n - 1));
  field.grid.ys = field.grid.xs;
  for (double y : field.grid.ys)
    for (double x : field.grid.xs)
      field.grid.z.push_back(0.05 + 2 * x * x + 5 * y * y + 0.6 * x * y +
                             0.15 * std::sin(9 * x) * std::cos(7 * y));
  field.label = "loss";
  hess::plot::Figure fig;
  fig.title = "Loss landscape";
  fig.x.label = "x direction";
  fig.y.label = "y direction";
  fig.height = 480;
  fig.field = field;

  std::printf("plot_bench: %d x %d landscape, median of %d runs\n\n", n, n, reps);
  std::printf("| figure | seconds | SVG bytes |\n| --- | --- | --- |\n");
  auto row = [&](const char* name, const hess::plot::Figure& f) {
    std::string svg;
    const double s = median_seconds(reps, [&] { svg = hess::plot::render_svg(f); });
    std::printf("| %s | %.4f | %zu |\n", name, s, svg.size());
  };
  row("filled contours + labelled lines + colour bar", fig);
  hess::plot::Figure heat = fig;
  heat.field->heatmap = true;
  heat.field->lines = false;
  row("heat map (PNG inside the SVG)", heat);
  hess::plot::Figure logc = fig;
  logc.field->log = true;
  row("log colours, 1-2-5 levels", logc);

  // the whole `hessian plot` path on a result file
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("plot_bench." + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "landscape.h5").string();
  {
    hess::ResultFile rf(file);
    hess::ResultGroup& g = rf.group("landscape");
    g.write("xcoordinates", field.grid.xs);
    g.write("ycoordinates", field.grid.ys);
    g.write("train_loss", field.grid.z.data(), {n, n});
    std::vector<double> acc(field.grid.z.size(), 50.0);
    g.write("train_acc", acc.data(), {n, n});
    g.attr("dirs", std::string("random"));
    rf.commit(hess::ResultMetadata{});
  }
  hess::runs::PlotRun run;
  run.files = {file};
  run.html = (dir / "landscape.html").string();
  const double s = median_seconds(reps, [&] { hess::runs::plot(run); });
  std::printf("| hessian plot (read in a child, 2 figures, HTML written) | %.4f | %ju (HTML) |\n",
              s, static_cast<uintmax_t>(fs::file_size(run.html)));
  fs::remove_all(dir);
  return 0;
}
