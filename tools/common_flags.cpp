#include "tools/common_flags.h"

namespace hess::cli {

void add_model_inputs(Flags& f, runs::Inputs& in) {
  f.optional("model", &in.model, "FILE",
             "model file (HDF5 model file, or .onnx exported from PyTorch)")
      .optional("arch", &in.arch, "SPEC",
                "build a model from an architecture spec instead (mlp:784-128-10:tanh, cnn:..., "
                "resnet:..., transformer:...), weights from --seed")
      .choice("loss", &in.loss, "loss appended to --arch and ONNX models")
      .value("seed", &in.seed, "N",
             "seed of every random choice (probes, directions, weights; the --samples subset "
             "unless --data-seed)");
}

void add_data_inputs(Flags& f, runs::Inputs& in) {
  f.optional("data", &in.data, "FILE", "data file (HDF5, from `hessian import`)")
      .value("samples", &in.samples, "N",
             "size of the analysis set: a seeded random subset of N samples (0: all)")
      .optional("data-seed", &in.data_seed, "S",
                "seed of the --samples subset (and of synthetic data; default: --seed)")
      .value("batch-size", &in.batch_size, "N", "samples per batch")
      .value("threads", &in.threads, "N", "cores to use (0: all)")
      .choice("precision", &in.precision, "arithmetic of the passes")
      .value("weight-decay", &in.weight_decay, "L", "add (L/2)|theta|^2 to the objective");
  add_memory(f, in);
}

void add_memory(Flags& f, runs::Inputs& in) {
  f.optional("memory", &in.memory_mib, "MIB",
             "MiB for keeping each batch's forward pass and adjoints between products at the same "
             "parameters (0: keep none; default: a quarter of the free memory)",
             "memory_mib");
}

void add_inputs(Flags& f, runs::Inputs& in) {
  add_model_inputs(f, in);
  add_data_inputs(f, in);
}

void add_target(Flags& f, runs::TargetSpec& t) {
  f.choice("curvature", &t.curvature, "the Hessian, or the generalized Gauss-Newton matrix (PSD)")
      .list("layers", &t.layers, "GLOB",
            "restrict to parameter blocks whose names match (e.g. 'layer1.*' '*.weight')");
}

void add_optimizer(Flags& f, OptimizerOptions& op, double* lr, const std::string& lr_help) {
  f.choice("optimizer", &op.kind,
           "gd (full batch), sgd, momentum, nesterov or adam (minibatches of --batch-size)")
      .optional("lr", lr, "ETA", lr_help)
      .value("momentum", &op.momentum, "BETA", "beta of momentum and nesterov")
      .value("beta1", &op.beta1, "B", "adam: decay of the first moment")
      .value("beta2", &op.beta2, "B", "adam: decay of the second moment")
      .value("epsilon", &op.epsilon, "EPS", "adam: added to the root of the second moment");
}

void add_printing(Flags& f, Printing& p) {
  p.command = f.command();
  f.toggle("json", &p.json, "print one JSON object with the summary on stdout")
      .toggle("quiet", &p.quiet, "no progress on stderr");
}

void add_output(Flags& f, runs::Output& out, Printing& p) {
  f.value("out", &out.out, "FILE", "result file (HDF5; appended)");
  add_printing(f, p);
}

}  // namespace hess::cli
