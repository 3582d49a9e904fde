// hessian landscape: 1-D and 2-D loss landscapes around a model along random, Hessian-eigenvector,
// interpolation, PCA or file axes, resumable, with loss-landscape and ParaView exports
// (runs/landscape_run.h).
#include "runs/landscape_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

namespace {

// The run and its axes as typed (parsed when it runs).
struct LandscapeCommand {
  runs::LandscapeRun run;
  std::string x = "-1:1:51", y;
};

}  // namespace

void prepare_landscape(PreparedCommand& c) {
  auto& cmd = c.own<LandscapeCommand>();
  runs::LandscapeRun& run = cmd.run;
  Flags& f = c.define_flags(
      "landscape",
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
  f.value("x", &cmd.x, "MIN:MAX:N", "x axis: N points from MIN to MAX")
      .optional("y", &cmd.y, "MIN:MAX:N", "y axis (a 2-D landscape)")
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
  add_output(f, run.output, c.printing);
  c.bind(&run.inputs, &run.output, nullptr, [&cmd](runs::Observer& o) {
    cmd.run.grid.x = parse_axis(cmd.x, "x");
    if (!cmd.y.empty()) cmd.run.grid.y = parse_axis(cmd.y, "y");
    return runs::landscape(cmd.run, o);
  });
}

}  // namespace hess::cli
