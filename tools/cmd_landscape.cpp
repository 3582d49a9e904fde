// hessian landscape: 1-D and 2-D loss landscapes around a model along random, Hessian-eigenvector,
// interpolation, PCA or file axes, resumable, with loss-landscape and ParaView exports
// (runs/landscape_run.h).
#include "runs/landscape_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_landscape(const std::vector<std::string>& args) {
  runs::LandscapeRun run;
  Printing p;
  std::string x = "-1:1:51", y;
  Flags f("landscape",
          "(--model FILE | --arch SPEC) [--data FILE] --x MIN:MAX:N [--y MIN:MAX:N] [options]",
          "  hessian landscape --model m.h5 --data train.h5 --x -1:1:51 --y -1:1:51 --surface "
          "s.h5\n"
          "  hessian landscape --model m.h5 --data train.h5 --dirs interp --to m2.h5 --x "
          "-0.5:1.5:81\n"
          "  hessian landscape --model run/checkpoints/step-000001000.h5 --data train.h5 --dirs "
          "pca\n"
          "      --checkpoints run/checkpoints --x -1:1:41 --y -1:1:41\n");
  add_inputs(f, run.inputs);
  runs::AxesRequest& q = run.axes;
  runs::LandscapeExports& e = run.exports;
  f.value("x", &x, "MIN:MAX:N", "x axis: N points from MIN to MAX")
      .optional("y", &y, "MIN:MAX:N", "y axis (a 2-D landscape)")
      .choice("dirs", &q.kind,
              "axes: random, eigen (top Hessian eigenvectors), interp (--to), pca (--checkpoints), "
              "file (--dir-file)")
      .choice("norm", &q.norm, "normalization of random directions")
      .toggle("include-1d", &q.include_1d, "perturb biases and norm parameters too")
      .optional("to", &q.to, "MODEL2", "interp: the model at x = 1")
      .optional("checkpoints", &q.checkpoints, "GLOB",
                "pca: the checkpoints of a training run (folder, glob or series file)")
      .optional("dir-file", &q.dir_file, "FILE", "file: a direction file (loss-landscape's schema)")
      .optional("surface", &e.surface, "FILE.h5",
                "also write loss-landscape's surface file, and STEM.dirs.h5 (STEM.proj.h5 for pca)")
      .optional("vtk", &e.vtk, "FILE.vtp", "also write the 2-D surface for ParaView")
      .value("vtk-zmax", &e.vtk_zmax, "Z", "clip the VTK heights at Z (0: no clipping)")
      .toggle("vtk-log", &e.vtk_log, "VTK heights log(loss + 0.1)")
      .optional("test-data", &run.test.data, "FILE",
                "also the test loss and accuracy on this data file, on the same grid")
      .value("test-samples", &run.test.samples, "N",
             "--test-data: a seeded random subset of N of its samples (0: all)");
  add_output(f, run.output, p);
  if (!f.parse(args)) return kExitOk;
  run.output.command_line = f.command_line();
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] {
    run.grid.x = parse_axis(x, "x");
    if (!y.empty()) run.grid.y = parse_axis(y, "y");
    return runs::landscape(run, observer);
  }),
        p);
  return kExitOk;
}

}  // namespace hess::cli
