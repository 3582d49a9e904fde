// Figures of a training log (io/train_log.h): the loss and the accuracy against the step on twin
// axes.
#include <cmath>

#include "engine/number_format.h"
#include "runs/plot_groups.h"

namespace hess::runs {

GroupFigures plot_train_log(const ResultGroupView& g, const PlotStyle&) {
  GroupFigures out;
  out.group = "train";
  const std::vector<double> step = g.values("step"), loss = g.values("loss");
  std::vector<double> acc = g.values_or_empty("accuracy");
  for (double& a : acc) a *= 100;
  plot::Figure f;
  f.title = "Training";
  f.x.label = "step";
  add_loss_accuracy(f, step, loss, acc, "");
  const std::string status = g.h5().has_attr("status") ? g.h5().string_attr("status") : "?";
  int64_t done = 0;
  for (double s : step)
    if (std::isfinite(s)) ++done;
  f.notes = {"status " + status + ", " + grouped(done) + " steps logged"};
  out.figures.push_back(figure_doc(
      "train", "loss", f,
      "The training loss (left axis) and accuracy (right axis, dashed) at each step, measured "
      "before the step's update on the rows it used (the whole set for gd, its minibatch "
      "otherwise)."));
  const double fl = g.h5().has_attr("final_loss") ? g.h5().real_attr("final_loss") : NAN;
  out.summary = {{"final loss", figure_number(fl), "status " + status}};
  if (g.h5().has_attr("command_lines")) {
    const std::vector<std::string> cl = g.h5().strings_attr("command_lines");
    if (!cl.empty()) out.metadata.push_back({"command", cl.front()});
  }
  out.metadata.push_back({"steps", grouped(done)});
  out.metadata.push_back({"status", status});
  return out;
}

}  // namespace hess::runs
