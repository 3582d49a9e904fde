#pragma once
// Loss landscapes: the loss and accuracy over the analysis set on a 1-D or 2-D grid around θ,
//
//   1-D   L(θ + x_i d_x),            i = 0..nx−1
//   2-D   L(θ + x_i d_x + y_j d_y),  stored as loss[j·nx + i]: an (ny, nx) array, row j = y_j
//
// with x_i = ((n − 1 − i)·min + i·max)/(n − 1): numpy.linspace's points, computed so that both ends
// are exact and a symmetric axis has an exact 0 at its centre (the model itself). The layout is
// tomgoldstein/loss-landscape's: its plot scripts draw Z over numpy.meshgrid(x, y), which is
// (ny, nx). The directions come from analyzers/directions.h (random filter-normalized, Hessian
// eigenvectors, interpolation to a second model with x ∈ [0, 1] reaching it at 1, a PCA plane).
//
// Points are evaluated in parallel by the worker objectives (analyzers/point_evaluator.h: several
// single-threaded workers, or one worker with batch threads) and handed to `on_point` as they
// complete, so a command can flush each one to its file. A resumed run is given the surface of an
// interrupted one and evaluates only the points still marked kNotComputed. θ is the first worker's
// parameters at the call; every worker's parameters are restored afterwards, also on exceptions.
//
//   hess::LandscapeOptions o;
//   o.x = hess::parse_axis("-1:1:51", "x");
//   o.y = hess::parse_axis("-1:1:51", "y");
//   hess::LandscapeResult r = hess::run(o, {dx, dy}, workers);
//   double centre = r.surface.loss[25 * 51 + 25];

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "analyzers/status.h"
#include "engine/objective.h"

namespace hess {

// One grid axis: n points from min to max, both included.
struct Axis {
  double min = -1.0;
  double max = 1.0;
  int64_t n = 51;
  // The i-th coordinate, ((n − 1 − i)·min + i·max)/(n − 1).
  double at(int64_t i) const;
  std::vector<double> coordinates() const;
  // Throws std::invalid_argument("FIELD: ...") unless n ≥ 2, min < max, both finite.
  void validate(std::string_view field) const;
};

// Parses "MIN:MAX:N" for the axis named `field` ("x", "y"), validated.
Axis parse_axis(std::string_view spec, std::string_view field);
// "MIN:MAX:N", each number the shortest text that reads back as the same double.
std::string axis_spec(const Axis& a);

// Marks a grid value not yet computed (loss-landscape's convention: −1).
inline constexpr double kNotComputed = -1.0;

struct LandscapeOptions {
  Axis x;
  std::optional<Axis> y;  // 2-D when set
  // Throws std::invalid_argument naming the axis.
  void validate() const;
};

struct Surface {
  Axis x;
  std::optional<Axis> y;
  std::vector<double> loss;      // ny·nx, row-major (ny, nx); kNotComputed where not evaluated
  std::vector<double> accuracy;  // fraction in [0, 1] (0 without class labels); same layout
  int64_t nx() const { return x.n; }
  int64_t ny() const { return y ? y->n : 1; }
  int64_t size() const { return nx() * ny(); }
  bool computed(int64_t index) const { return loss[index] != kNotComputed; }
  int64_t count_computed() const;
};

// A surface of the options' shape with every point kNotComputed.
Surface empty_surface(const LandscapeOptions& options);

struct LandscapePoint {
  int64_t index = 0;  // j·nx + i
  int64_t i = 0, j = 0;
  double x = 0.0, y = 0.0;
  Evaluation value;  // NaN when the pass met NaN or Inf
  bool finite = true;
};
using LandscapeCallback = std::function<void(const LandscapePoint&)>;

struct LandscapeDirections {
  std::vector<double> x;  // d_x (length P)
  std::vector<double> y;  // d_y, required for a 2-D grid
};

struct LandscapeHooks {
  const Surface* resume = nullptr;            // points already computed there are kept, not redone
  LandscapeCallback on_point;                 // each new point, serialized, in completion order
  const std::atomic<bool>* cancel = nullptr;  // set to stop: points under way finish
};

struct LandscapeResult {
  Surface surface;
  int64_t evaluated = 0;   // points evaluated by this run
  int64_t resumed = 0;     // points taken from hooks.resume
  int64_t non_finite = 0;  // evaluated points whose loss is NaN
  int64_t passes = 0;      // passes over the analysis set
  double seconds = 0.0;
  bool cancelled = false;  // stopped before the surface was complete
  Status status = Status::Ok;
  std::string message;
};

// Throws std::invalid_argument for bad options, directions of the wrong length, a missing d_y for a
// 2-D grid, or a resume surface whose axes differ ("resume: ...").
LandscapeResult run(const LandscapeOptions& options, const LandscapeDirections& directions,
                    const std::vector<Objective*>& workers, const LandscapeHooks& hooks = {});

}  // namespace hess
