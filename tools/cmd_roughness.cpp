// hessian roughness: the roughness index of Wu et al. around a model's parameters, or at each
// checkpoint of a training run (--along GLOB) (runs/roughness_run.h).
#include "runs/roughness_run.h"
#include "tools/common_flags.h"
#include "tools/prepared_command.h"

namespace hess::cli {

void prepare_roughness(PreparedCommand& c) {
  runs::RoughnessRun& run = c.own<runs::RoughnessRun>();
  Flags& f = c.define_flags(
      "roughness", "(--model FILE | --arch SPEC | --along GLOB) [--data FILE] [options]",
      "  hessian roughness --arch mlp:784-128-10 --samples 1024\n"
      "  hessian roughness --model model.h5 --data train.h5 --directions 100 --points 20 "
      "--radius 0.1 --json\n"
      "  hessian roughness --along run/checkpoints --data train.h5 --samples 1024\n");
  add_inputs(f, run.inputs);
  RoughnessOptions& ro = run.roughness;
  f.value("directions", &ro.directions, "M", "random directions (profiles)")
      .value("points", &ro.points, "m", "intervals per profile: t_k = -l + k 2l/m, k = 0..m")
      .value("radius", &ro.radius, "l", "half-width l of each profile")
      .choice("norm", &ro.normalization, "direction normalization", "normalization")
      .toggle("include-1d", &ro.include_1d, "perturb biases and norm parameters too")
      .optional("along", &run.along, "GLOB",
                "the roughness index at each checkpoint of a training run (model files matched by "
                "GLOB, a folder or a checkpoint series file), in step order; replaces --model");
  add_output(f, run.output, c.printing);
  c.bind(&run.inputs, &run.output, nullptr,
         [&run](runs::Observer& o) { return runs::roughness(run, o); });
}

}  // namespace hess::cli
