// hessian train: trains a model (from --arch or --model) on a data file into a run directory of
// checkpoints and a training log; Ctrl-C / SIGTERM stop it cleanly and --resume continues it
// exactly (runs/train_run.h).
#include "runs/train_run.h"
#include "tools/commands.h"
#include "tools/common_flags.h"
#include "tools/print.h"
#include "tools/terminal_observer.h"

namespace hess::cli {

int run_train(const std::vector<std::string>& args) {
  runs::TrainRun run;
  run.optimizer.kind = OptimizerKind::SGD;
  Printing p;
  double lr = 0.0;
  Flags f("train",
          "--data FILE (--arch SPEC | --model FILE) --out RUN_DIR (--steps N | --epochs N) "
          "[options]",
          "  hessian train --data data/digits.h5 --arch mlp:64-32-10:tanh --optimizer gd --lr 0.5 "
          "--steps 500 --out run\n"
          "  hessian train --data fmnist.h5 --arch mlp:784-128-128-10:tanh --optimizer sgd "
          "--batch-size 128 --epochs 3 \\\n"
          "      --checkpoint-every 500 --out run-sgd\n"
          "  hessian train --data fmnist.h5 --arch mlp:784-128-128-10:tanh --optimizer sgd "
          "--batch-size 128 --epochs 3 \\\n"
          "      --checkpoint-every 500 --out run-sgd --resume      # after Ctrl-C\n"
          "  hessian train --data fmnist1k.h5 --arch mlp:784-100-100-10:tanh --loss mse "
          "--optimizer gd --lr 0.05 \\\n"
          "      --steps 2000 --sharpness-every 20 --out run-eos      # the edge of stability\n");
  add_inputs(f, run.inputs);
  OptimizerOptions& op = run.optimizer;
  add_optimizer(f, op, &lr, "learning rate (default 0.1; adam 0.001)");
  f.optional("steps", &run.steps, "N", "train until N steps are done in all")
      .optional("epochs", &run.epochs, "N", "train for N epochs (N steps with gd)")
      .value("checkpoint-every", &run.checkpoint_every, "K",
             "save a checkpoint every K steps (0: only the initial and the final weights)")
      .value("sharpness-every", &run.sharpness.every, "N",
             "measure the edge of stability (top eigenvalues by warm-started Lanczos, the "
             "optimizer's threshold, loss, alpha, beta) at step 0, every N steps and the last "
             "step into /sharpness of the log (0: off)")
      .value("sharpness-k", &run.sharpness.k, "K", "top eigenvalues per sharpness measurement")
      .value("sharpness-samples", &run.sharpness.samples, "M",
             "sharpness on the first M training samples, full batch (0: min(N, 5000))")
      .toggle("resume", &run.resume,
              "continue the run in --out from its last checkpoint (same flags)")
      .optional("out", &run.dir, "RUN_DIR", "run directory: checkpoints/ and train_log.h5", "dir");
  add_printing(f, p);
  if (!f.parse(args)) return kExitOk;
  run.command_line = f.command_line();
  if (f.given("lr")) run.lr = lr;
  TerminalObserver observer(p.quiet || p.json);
  print(f.call([&] { return runs::train(run, observer); }), p);
  return kExitOk;
}

}  // namespace hess::cli
