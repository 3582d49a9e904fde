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
          "      --checkpoint-every 500 --out run-sgd --resume      # after Ctrl-C\n");
  add_inputs(f, run.inputs);
  OptimizerOptions& op = run.optimizer;
  f.choice("optimizer", &op.kind,
           "gd (full batch), sgd, momentum, nesterov or adam (minibatches of --batch-size)")
      .optional("lr", &lr, "ETA", "learning rate (default 0.1; adam 0.001)")
      .value("momentum", &op.momentum, "BETA", "beta of momentum and nesterov")
      .value("beta1", &op.beta1, "B", "adam: decay of the first moment")
      .value("beta2", &op.beta2, "B", "adam: decay of the second moment")
      .value("epsilon", &op.epsilon, "EPS", "adam: added to the root of the second moment")
      .optional("steps", &run.steps, "N", "train until N steps are done in all")
      .optional("epochs", &run.epochs, "N", "train for N epochs (N steps with gd)")
      .value("checkpoint-every", &run.checkpoint_every, "K",
             "save a checkpoint every K steps (0: only the initial and the final weights)")
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
