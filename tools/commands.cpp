#include "tools/commands.h"

namespace hess::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"info", "blocks, sizes and loss of a model; fit of a data set; timing of loss, gradient and HVP", run_info},
      {"train", "train a model (gd, sgd, momentum, nesterov, adam) into a run directory of checkpoints and a log", run_train},
  };
  return table;
}

}  // namespace hess::cli
