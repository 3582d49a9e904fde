#include "analyzers/landscape.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <stdexcept>

#include "analyzers/point_evaluator.h"
#include "analyzers/stopwatch.h"
#include "engine/field_error.h"

namespace hess {

namespace {

double parse_number(std::string_view s, std::string_view field, const char* what) {
  const std::string text(s);
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size()) {
    throw FieldError(std::string(field),
                     std::string(": ") + what + " '" + text +
                         "' is not a number (expected MIN:MAX:N, e.g. -1:1:51)");
  }
  return v;
}

bool same_axis(const Axis& a, const Axis& b) {
  return a.min == b.min && a.max == b.max && a.n == b.n;
}

}  // namespace

double Axis::at(int64_t i) const {
  const double k = static_cast<double>(i), last = static_cast<double>(n - 1);
  return ((last - k) * min + k * max) / last;
}

std::vector<double> Axis::coordinates() const {
  std::vector<double> c(n);
  for (int64_t i = 0; i < n; ++i) c[i] = at(i);
  return c;
}

void Axis::validate(std::string_view field) const {
  const std::string f(field);
  if (!std::isfinite(min) || !std::isfinite(max))
    throw FieldError(f, ": MIN and MAX must be finite");
  if (!(min < max)) {
    throw FieldError(
        f, ": MIN must be less than MAX, got " + std::to_string(min) + ":" + std::to_string(max));
  }
  if (n < 2) throw FieldError(f, ": N must be at least 2, got " + std::to_string(n));
}

Axis parse_axis(std::string_view spec, std::string_view field) {
  const size_t a = spec.find(':');
  const size_t b = a == std::string_view::npos ? a : spec.find(':', a + 1);
  if (b == std::string_view::npos || spec.find(':', b + 1) != std::string_view::npos) {
    throw FieldError(std::string(field),
                     ": expected MIN:MAX:N (e.g. -1:1:51), got '" + std::string(spec) + "'");
  }
  Axis axis;
  axis.min = parse_number(spec.substr(0, a), field, "MIN");
  axis.max = parse_number(spec.substr(a + 1, b - a - 1), field, "MAX");
  const std::string_view count = spec.substr(b + 1);
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(count.data(), count.data() + count.size(), n);
  if (count.empty() || ec != std::errc() || end != count.data() + count.size()) {
    throw FieldError(
        std::string(field),
        ": N '" + std::string(count) + "' is not an integer (expected MIN:MAX:N, e.g. -1:1:51)");
  }
  axis.n = n;
  axis.validate(field);
  return axis;
}

std::string axis_spec(const Axis& a) {
  // The shortest text that reads back as the same double ("-2.1", not "-2.1000000000000001").
  char buf[96];
  char* p = std::to_chars(buf, buf + 40, a.min).ptr;
  *p++ = ':';
  p = std::to_chars(p, p + 40, a.max).ptr;
  std::snprintf(p, buf + sizeof buf - p, ":%lld", static_cast<long long>(a.n));
  return buf;
}

void LandscapeOptions::validate() const {
  x.validate("x");
  if (y) y->validate("y");
}

int64_t Surface::count_computed() const {
  int64_t c = 0;
  for (int64_t k = 0; k < size(); ++k) c += computed(k);
  return c;
}

Surface empty_surface(const LandscapeOptions& options) {
  Surface s;
  s.x = options.x;
  s.y = options.y;
  s.loss.assign(s.size(), kNotComputed);
  s.accuracy.assign(s.size(), kNotComputed);
  return s;
}

LandscapeResult run(const LandscapeOptions& options, const LandscapeDirections& directions,
                    const std::vector<Objective*>& workers, const LandscapeHooks& hooks) {
  options.validate();
  if (workers.empty()) throw std::invalid_argument("workers: at least one objective is needed");
  const Stopwatch clock;
  const size_t P = static_cast<size_t>(workers[0]->num_params());
  if (directions.x.size() != P) throw std::invalid_argument("directions: x has the wrong length");
  if (options.y && directions.y.size() != P) {
    throw std::invalid_argument("directions: a 2-D landscape needs a y direction of length P");
  }

  LandscapeResult r;
  r.surface = empty_surface(options);
  Surface& s = r.surface;
  if (hooks.resume) {
    const Surface& old = *hooks.resume;
    if (!same_axis(old.x, s.x) || old.y.has_value() != s.y.has_value() ||
        (s.y && !same_axis(*old.y, *s.y)) || static_cast<int64_t>(old.loss.size()) != s.size() ||
        old.accuracy.size() != old.loss.size()) {
      throw std::invalid_argument("resume: the surface to resume has other axes than " +
                                  axis_spec(s.x) + (s.y ? " x " + axis_spec(*s.y) : std::string()));
    }
    for (int64_t k = 0; k < s.size(); ++k) {
      if (!old.computed(k)) continue;
      s.loss[k] = old.loss[k];
      s.accuracy[k] = old.accuracy[k];
      ++r.resumed;
    }
  }
  std::vector<int64_t> todo;
  for (int64_t k = 0; k < s.size(); ++k) {
    if (!s.computed(k)) todo.push_back(k);
  }

  const std::vector<double> theta = workers[0]->parameters();
  const std::vector<double> xs = s.x.coordinates();
  const std::vector<double> ys = s.y ? s.y->coordinates() : std::vector<double>{0.0};
  const int64_t nx = s.nx();
  const bool two_d = s.y.has_value();
  auto fill = [&](int, int64_t k, std::vector<double>& t) {
    const double a = xs[k % nx], b = ys[k / nx];
    for (size_t p = 0; p < P; ++p) {
      t[p] = theta[p] + a * directions.x[p];
      if (two_d) t[p] += b * directions.y[p];
    }
  };
  auto done = [&](const PointEvaluation& e) {
    s.loss[e.point] = e.value.loss;
    s.accuracy[e.point] = e.value.accuracy;
    if (!hooks.on_point) return;
    LandscapePoint p;
    p.index = e.point;
    p.i = e.point % nx;
    p.j = e.point / nx;
    p.x = xs[p.i];
    p.y = two_d ? ys[p.j] : 0.0;
    p.value = e.value;
    p.finite = e.finite;
    hooks.on_point(p);
  };
  const PointRunStats st = evaluate_points(workers, todo, fill, done, hooks.cancel);
  r.evaluated = st.evaluated;
  r.non_finite = st.non_finite;
  r.passes = st.passes;
  r.cancelled = st.cancelled;
  if (st.non_finite > 0) {
    r.status = Status::NonFinite;
    r.message = std::to_string(st.non_finite) +
                " point(s) with a non-finite loss; first: " + st.first_non_finite;
  }
  r.seconds = clock.seconds();
  return r;
}

}  // namespace hess
