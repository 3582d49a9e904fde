#include "tools/commands.h"

namespace hess::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> table = {
      {"info", "blocks, sizes and loss of a model; fit of a data set; timing of loss, gradient and HVP", run_info},
  };
  return table;
}

}  // namespace hess::cli
