// hessian plot: figures of result files and training logs as an HTML page, SVG and PNG files
// (runs/plot_run.h).
#include "runs/plot_groups.h"
#include "runs/plot_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"

namespace hess::cli {

int run_plot(const std::vector<std::string>& args) {
  runs::PlotRun run;
  Printing p;
  Flags f("plot", "FILE... [--html OUT.html] [--svg-dir DIR] [--png-dir DIR] [--groups NAME...]",
          "  hessian plot results.h5                        # plots.html\n"
          "  hessian plot results.h5 run/train_log.h5 --html all.html --svg-dir figures\n"
          "  hessian plot results.h5 --groups landscape --log --png-dir png\n");
  f.positional("files", &run.files, "FILE", "result files and training logs")
      .value("html", &run.html, "OUT.html",
             std::string("the HTML page (default ") + runs::kDefaultPlotHtml +
                 " unless --svg-dir or --png-dir is given)")
      .value("svg-dir", &run.svg_dir, "DIR", "one SVG file per figure")
      .value("png-dir", &run.png_dir, "DIR", "one PNG file per figure (rsvg-convert)")
      .list("groups", &run.groups, "NAME", "only these groups: " + runs::plottable_names())
      .toggle("log", &run.style.log, "landscape colours and contour levels on a log scale",
              "style.log");
  add_printing(f, p);
  if (!f.parse(args)) return kExitOk;
  print(f.call([&] { return runs::plot(run); }), p);
  return kExitOk;
}

}  // namespace hess::cli
