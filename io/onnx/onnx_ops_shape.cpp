// ONNX ops that move, select or describe elements: Identity, Dropout, Cast, Constant,
// ConstantOfShape, Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Reshape, Flatten, Transpose,
// Pad. On known tensors they fold at import time (shape arithmetic); on activations they become
// engine reshape / transpose / slice / concat / embedding nodes that keep the batch symbolic.
#include <onnx/onnx_pb.h>

#include <algorithm>

#include "engine/op_kind.h"
#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_converter.h"

namespace hess::onnx_import {

namespace {

int64_t rank_of(const Converter& c, const Value& v) {
  return static_cast<int64_t>(c.shape_of(v).size());
}

// Integers of a known input that must not depend on the batch size.
std::vector<int64_t> fixed_ints(Converter& c, int i, const char* what) {
  const StaticTensor& t = c.known_input(i, what);
  if (t.batch_dependent()) fault(std::string(what) + " depends on the batch size");
  return t.ints(0);
}

// Distinct axes normalized against `rank`, sorted.
std::vector<int64_t> normalized_axes(std::vector<int64_t> axes, int64_t rank) {
  for (int64_t& a : axes) a = normalize_axis(a, rank, "axis");
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) fault("names an axis twice");
  return axes;
}

// A known value with the same data and a new shape.
StaticTensor reshaped(const StaticTensor& t, Shape shape) {
  StaticTensor r = t;
  r.shape = std::move(shape);
  return r;
}

void identity(Converter& c) {
  c.set_output(0, c.input(0));
}

void dropout(Converter& c) {
  c.attrs().only({"seed"});
  c.require_unused_output(1);
  c.set_output(0, c.input(0));  // evaluation semantics: the identity
}

void cast(Converter& c) {
  c.attrs().only({"to"});
  const int to = static_cast<int>(c.attrs().get_int("to", 0));
  const ElemKind kind = elem_kind(to);
  Value& x = c.input(0);
  if (x.known) {
    c.set_known(0, fold_unary(x.st, kind, [to](double v) { return cast_value(v, to); }));
    return;
  }
  if (kind != ElemKind::Real && !x.ids) fault("casts activations to an integer type");
  Value v = x;
  v.ids = kind != ElemKind::Real;
  c.set_output(0, std::move(v));
}

void constant(Converter& c) {
  const OnnxAttrs& a = c.attrs();
  a.only({"value", "value_float", "value_floats", "value_int", "value_ints"});
  StaticTensor t;
  if (const onnx::TensorProto* p = a.get_tensor("value")) {
    t = read_tensor(*p);
  } else if (a.has("value_float")) {
    t.v0 = {a.get_float("value_float", 0.0)};
  } else if (a.has("value_floats")) {
    t.v0 = a.get_floats("value_floats");
    t.shape = {static_cast<int64_t>(t.v0.size())};
  } else if (a.has("value_int")) {
    t.kind = ElemKind::Integer;
    t.v0 = {static_cast<double>(a.get_int("value_int", 0))};
  } else if (a.has("value_ints")) {
    t.kind = ElemKind::Integer;
    for (int64_t v : a.get_ints("value_ints", {})) t.v0.push_back(static_cast<double>(v));
    t.shape = {static_cast<int64_t>(t.v0.size())};
  } else {
    fault("has no value");
  }
  c.set_known(0, std::move(t));
}

void constant_of_shape(Converter& c) {
  c.attrs().only({"value"});
  const StaticTensor& s = c.known_input(0, "the shape");
  StaticTensor fill;
  fill.v0 = {0.0};
  if (const onnx::TensorProto* p = c.attrs().get_tensor("value")) fill = read_tensor(*p);
  if (fill.v0.size() != 1) fault("its value attribute must hold one element");
  c.set_known(0, fold(fill.kind, s.batch_dependent(), [&](int ver) {
                const std::vector<int64_t> ints = s.ints(ver);
                const Shape shape(ints.begin(), ints.end());
                return Folded{
                    shape, std::vector<double>(checked_numel(shape, kMaxFoldedElements, "result"),
                                               fill.v0[0])};
              }));
}

void shape(Converter& c) {
  c.attrs().only({"start", "end"});
  Value& x = c.input(0);
  if (!x.pad.empty()) fault("reads the shape of a Pad's output, which is not supported");
  const int64_t r = rank_of(c, x);
  auto bound = [r](int64_t v) { return std::clamp<int64_t>(v < 0 ? v + r : v, 0, r); };
  const int64_t start = bound(c.attrs().get_int("start", 0)),
                end = bound(c.attrs().get_int("end", r));
  c.set_known(0, fold(ElemKind::Integer, !x.known && x.digit.axis >= 0, [&](int ver) {
                const Shape& s = c.shape_of(x, ver);
                std::vector<double> v;
                for (int64_t i = start; i < end; ++i) v.push_back(static_cast<double>(s[i]));
                return Folded{Shape{static_cast<int64_t>(v.size())}, v};
              }));
}

// Gather of an activation at known indices: one slice per index, joined; a scalar index drops the
// axis.
void gather_slices(Converter& c, Value& data, int64_t axis, const StaticTensor& idx) {
  if (idx.batch_dependent()) fault("its indices depend on the batch size");
  if (idx.shape.size() > 1) fault("only scalar or 1-D indices are supported on activations");
  if (axis == data.digit.axis) fault("gathers along the batch axis");
  const int64_t d = c.shape_of(data)[axis];
  std::vector<int> parts;
  for (int64_t k : idx.ints(0)) {
    const int64_t i = k < 0 ? k + d : k;
    if (i < 0 || i >= d)
      fault("index " + std::to_string(k) + " is out of range for extent " + std::to_string(d));
    Attrs a;
    a.set("starts", std::vector<int64_t>{i});
    a.set("ends", std::vector<int64_t>{i + 1});
    a.set("axes", std::vector<int64_t>{axis});
    const std::string suffix = "/index" + std::to_string(i);
    parts.push_back(c.emit(OpKind::Slice, {c.engine(data)}, a, suffix));
  }
  if (parts.empty()) fault("has no indices");
  int y = parts[0];
  for (size_t first = 1; first < parts.size(); first += kMaxArity - 1) {
    std::vector<int> ins{y};
    for (size_t q = first; q < std::min(parts.size(), first + kMaxArity - 1); ++q)
      ins.push_back(parts[q]);
    Attrs a;
    a.set("axis", axis);
    y = c.emit(OpKind::Concat, ins, a, "/concat");
  }
  Value v = c.dynamic(y);
  if (!idx.shape.empty()) {
    c.set_output(0, std::move(v));
    return;
  }
  Shape out = c.shape_of(v);
  out.erase(out.begin() + axis);
  const int j = v.digit.axis < 0 ? -1 : v.digit.axis - (v.digit.axis > axis ? 1 : 0);
  c.reshape_to(v, out, j);
}

void gather(Converter& c) {
  c.attrs().only({"axis"});
  Value& data = c.input(0);
  Value& idx = c.input(1);
  const Shape ds = c.shape_of(data);
  const int64_t axis =
      normalize_axis(c.attrs().get_int("axis", 0), static_cast<int64_t>(ds.size()), "axis");
  if (data.known && idx.known) {
    c.set_known(
        0, fold(data.st.kind, data.st.batch_dependent() || idx.st.batch_dependent(), [&](int ver) {
          return gather_values(ds, data.st.at(ver), axis, idx.st.shape, idx.st.ints(ver));
        }));
    return;
  }
  if (idx.known) {
    gather_slices(c, data, axis, idx.st);
    return;
  }
  if (!idx.ids)
    fault(
        "gathers at indices computed at run time; only the input's integer ids can index (an "
        "embedding)");
  if (axis != 0 || ds.size() != 2 || data.digit.axis >= 0) {
    fault("only rows of a 2-D table can be gathered by ids (an embedding), got a table of shape " +
          to_string(ds));
  }
  const int y = c.emit(OpKind::Embedding, {c.engine(idx), c.engine(data)});
  c.set_output(0, c.dynamic(y));
}

// The output axis holding input axis `axis` when `inserted` (sorted output axes) are new.
int axis_after_insert(int axis, const std::vector<int64_t>& inserted) {
  int j = axis;
  for (int64_t a : inserted) {
    if (a <= j) ++j;
  }
  return j;
}

void unsqueeze(Converter& c) {
  c.attrs().only({"axes"});
  Value& x = c.input(0);
  const Shape in = c.shape_of(x);
  std::vector<int64_t> axes =
      c.has_input(1) ? fixed_ints(c, 1, "axes") : c.attrs().get_ints("axes", {});
  const int64_t r = static_cast<int64_t>(in.size() + axes.size());
  if (axes.empty() || r > kMaxRank)
    fault("has " + std::to_string(axes.size()) + " axes for rank " + std::to_string(in.size()));
  axes = normalized_axes(axes, r);
  Shape out;
  for (int64_t i = 0, k = 0; i < r; ++i) {
    out.push_back(std::binary_search(axes.begin(), axes.end(), i) ? 1 : in[k++]);
  }
  if (x.known) {
    c.set_known(0, reshaped(x.st, out));
    return;
  }
  c.reshape_to(x, out, x.digit.axis < 0 ? -1 : axis_after_insert(x.digit.axis, axes));
}

void squeeze(Converter& c) {
  c.attrs().only({"axes"});
  Value& x = c.input(0);
  const Shape in = c.shape_of(x);
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> axes;
  if (c.has_input(1) || c.attrs().has("axes")) {
    axes = normalized_axes(
        c.has_input(1) ? fixed_ints(c, 1, "axes") : c.attrs().get_ints("axes", {}), r);
  } else {
    for (int64_t i = 0; i < r; ++i) {
      if (in[i] == 1) axes.push_back(i);
    }
  }
  Shape out;
  for (int64_t i = 0; i < r; ++i) {
    if (!std::binary_search(axes.begin(), axes.end(), i)) {
      out.push_back(in[i]);
    } else if (in[i] != 1) {
      fault("squeezes axis " + std::to_string(i) + " of extent " + std::to_string(in[i]));
    } else if (i == x.digit.axis && !x.known) {
      fault(
          "squeezes the batch axis (the graph was traced with batch size 1; export with a larger "
          "batch)");
    }
  }
  if (x.known) {
    c.set_known(0, reshaped(x.st, out));
    return;
  }
  int j = x.digit.axis;
  for (int64_t a : axes) j -= (j >= 0 && a < x.digit.axis) ? 1 : 0;
  c.reshape_to(x, out, j);
}

void concat(Converter& c) {
  c.attrs().only({"axis"});
  const int n = c.node().input_size();
  bool all_known = true;
  for (int i = 0; i < n; ++i) all_known = all_known && c.input(i).known;
  const int64_t axis = normalize_axis(c.attrs().get_int("axis", 0), rank_of(c, c.input(0)), "axis");
  if (all_known) {
    bool dep = false;
    ElemKind kind = ElemKind::Integer;
    std::vector<Shape> shapes;
    for (int i = 0; i < n; ++i) {
      dep = dep || c.input(i).st.batch_dependent();
      if (c.input(i).st.kind == ElemKind::Real) kind = ElemKind::Real;
      shapes.push_back(c.input(i).st.shape);
    }
    c.set_known(0, fold(kind, dep, [&](int ver) {
                  std::vector<const std::vector<double>*> parts;
                  for (int i = 0; i < n; ++i) parts.push_back(&c.input(i).st.at(ver));
                  return concat_values(shapes, parts, axis);
                }));
    return;
  }
  int y = -1;
  for (int first = 0; first < n;) {
    std::vector<int> ins;
    if (y >= 0) ins.push_back(y);
    while (first < n && static_cast<int>(ins.size()) < kMaxArity) {
      Value& v = c.input(first++);
      if (!v.known && v.digit.axis == axis) fault("concatenates along the batch axis");
      ins.push_back(c.engine(v));
    }
    Attrs a;
    a.set("axis", axis);
    y = c.emit(OpKind::Concat, ins, a, first < n ? "/part" : "");
  }
  c.set_output(0, c.dynamic(y));
}

// One sliced axis, resolved against its extent as ONNX Slice does.
struct SliceAxis {
  int64_t axis, start, step, count;
  bool operator==(const SliceAxis&) const = default;
};

std::vector<SliceAxis> resolve_slice(Converter& c, const Shape& shape, int ver) {
  const int64_t r = static_cast<int64_t>(shape.size());
  const std::vector<int64_t> starts = c.known_input(1, "starts").ints(ver);
  const std::vector<int64_t> ends = c.known_input(2, "ends").ints(ver);
  std::vector<int64_t> axes(starts.size()), steps(starts.size(), 1);
  for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
  if (c.has_input(3)) axes = c.known_input(3, "axes").ints(ver);
  if (c.has_input(4)) steps = c.known_input(4, "steps").ints(ver);
  if (ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size()) {
    fault("starts, ends, axes and steps differ in length");
  }
  std::vector<SliceAxis> out;
  std::vector<bool> seen(r, false);
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t a = normalize_axis(axes[i], r, "axis");
    if (seen[a]) fault("slices axis " + std::to_string(a) + " twice");
    seen[a] = true;
    const int64_t d = shape[a], st = steps[i];
    if (st == 0) fault("has a zero step");
    int64_t s = starts[i] < 0 ? starts[i] + d : starts[i];
    int64_t e = ends[i] < 0 ? ends[i] + d : ends[i];
    int64_t count;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, d);
      e = std::clamp<int64_t>(e, 0, d);
      count = e > s ? (e - s + st - 1) / st : 0;
    } else {
      s = std::clamp<int64_t>(s, 0, d - 1);
      e = std::clamp<int64_t>(e, -1, d - 1);
      count = s > e ? (s - e - st - 1) / -st : 0;
    }
    out.push_back({a, s, st, count});
  }
  return out;
}

void slice(Converter& c) {
  c.attrs().only({});
  Value& x = c.input(0);
  if (x.known) {
    const Shape& in = x.st.shape;
    bool dep = x.st.batch_dependent();
    for (int i = 1; i < 5; ++i)
      dep = dep || (c.has_input(i) && c.known_input(i, "a bound").batch_dependent());
    c.set_known(0, fold(x.st.kind, dep, [&](int ver) {
                  std::vector<int64_t> start(in.size(), 0), step(in.size(), 1);
                  Shape out = in;
                  for (const SliceAxis& s : resolve_slice(c, in, ver)) {
                    start[s.axis] = s.start;
                    step[s.axis] = s.step;
                    out[s.axis] = s.count;
                  }
                  return slice_values(in, x.st.at(ver), start, step, out);
                }));
    return;
  }
  const std::vector<SliceAxis> s0 = resolve_slice(c, c.shape_of(x, 0), 0),
                               s1 = resolve_slice(c, c.shape_of(x, 1), 1);
  std::vector<int64_t> starts, ends, axes, steps;
  for (size_t i = 0; i < s0.size(); ++i) {
    const SliceAxis& s = s0[i];
    if (s.axis == x.digit.axis) {
      if (s.start != 0 || s.step != 1 || s.count != c.shape_of(x, 0)[s.axis] ||
          s1[i].count != c.shape_of(x, 1)[s.axis]) {
        fault("slices the batch axis");
      }
      continue;
    }
    if (!(s1[i] == s))
      fault("its bounds on axis " + std::to_string(s.axis) + " depend on the batch size");
    if (s.step < 0) fault("slices activations with a negative step");
    if (s.count == 0) fault("slices axis " + std::to_string(s.axis) + " to nothing");
    starts.push_back(s.start);
    ends.push_back(s.start + (s.count - 1) * s.step + 1);
    axes.push_back(s.axis);
    steps.push_back(s.step);
  }
  if (axes.empty()) {
    c.set_output(0, x);
    return;
  }
  Attrs a;
  a.set("starts", starts);
  a.set("ends", ends);
  a.set("axes", axes);
  a.set("steps", steps);
  c.set_output(0, c.dynamic(c.emit(OpKind::Slice, {c.engine(x)}, a)));
}

// ONNX Reshape's target resolved against the input shape: 0 copies (unless allowzero), -1 is
// inferred.
Shape resolve_target(const Shape& in, const std::vector<int64_t>& target, bool allowzero) {
  if (static_cast<int64_t>(target.size()) > kMaxRank) fault("reshapes to more than 8 axes");
  Shape out(target.size());
  int infer_at = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (infer_at >= 0) fault("its target shape has more than one -1");
      infer_at = static_cast<int>(i);
      continue;
    }
    if (d == 0 && !allowzero) {
      if (i >= in.size())
        fault("its target copies axis " + std::to_string(i) + ", which the input lacks");
      d = in[i];
    }
    if (d <= 0 || d > kMaxExtent) fault("its target shape has extent " + std::to_string(d));
    out[i] = d;
    known *= d;
    if (known > kMaxActivationElements) fault("its target shape has too many elements");
  }
  const int64_t n = numel(in);
  if (infer_at >= 0) {
    if (n % known != 0)
      fault("cannot reshape " + to_string(in) + " to a shape with " + std::to_string(known) +
            " · k elements");
    out[infer_at] = n / known;
  }
  if (numel(out) != n) fault("cannot reshape " + to_string(in) + " to " + to_string(out));
  return out;
}

// The axis where two shapes differ (-1: none); a fault when several do.
int differing_axis(const Shape& a, const Shape& b) {
  if (a.size() != b.size()) fault("its output rank depends on the batch size");
  int j = -1;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i] == b[i]) continue;
    if (j >= 0) fault("its target shape changes on several axes with the batch size");
    j = static_cast<int>(i);
  }
  return j;
}

void reshape(Converter& c) {
  c.attrs().only({"allowzero"});
  const bool allowzero = c.attrs().get_int("allowzero", 0) != 0;
  Value& x = c.input(0);
  const StaticTensor& t = c.known_input(1, "the target shape");
  const Shape in0 = c.shape_of(x, 0);
  const Shape out0 = resolve_target(in0, t.ints(0), allowzero);
  if (x.known) {
    if (t.batch_dependent()) fault("reshapes a constant to a shape that depends on the batch size");
    c.set_known(0, reshaped(x.st, out0));
    return;
  }
  if (x.digit.axis < 0 || t.batch_dependent()) {
    const Shape out1 = resolve_target(c.shape_of(x, 1), t.ints(1), allowzero);
    c.reshape_to(x, out0, differing_axis(out0, out1));
    return;
  }
  // The target holds the traced batch size as a number: the batch lands on the axis that keeps the
  // samples apart, preferring the one spreading it least, then the axis it came from.
  std::vector<std::pair<int, int64_t>> fits;
  for (int j = 0; j < static_cast<int>(out0.size()); ++j) {
    const std::optional<BatchDigit> d = land_batch(in0, x.digit, out0, j, c.probe_batch(0));
    if (d) fits.push_back({j, d->outer * d->inner});
  }
  if (fits.empty())
    fault("reshapes " + to_string(in0) + " to " + to_string(out0) +
          ", which mixes samples of the batch");
  int64_t least = fits[0].second;
  for (const auto& f : fits) least = std::min(least, f.second);
  std::vector<int> best;
  for (const auto& f : fits) {
    if (f.second == least) best.push_back(f.first);
  }
  const bool stays = std::find(best.begin(), best.end(), x.digit.axis) != best.end();
  if (best.size() > 1 && !stays) {
    fault("reshapes " + to_string(in0) + " to " + to_string(out0) +
          ": cannot tell which axis carries the batch (export with a batch size above 1 or with "
          "dynamic_axes)");
  }
  c.reshape_to(x, out0, stays ? x.digit.axis : best[0]);
}

void flatten(Converter& c) {
  c.attrs().only({"axis"});
  Value& x = c.input(0);
  const Shape in = c.shape_of(x);
  const int64_t r = static_cast<int64_t>(in.size());
  int64_t axis = c.attrs().get_int("axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r)
    fault("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(r));
  const Shape out{numel_range(in, 0, axis), numel_range(in, axis, in.size())};
  if (x.known) {
    c.set_known(0, reshaped(x.st, out));
    return;
  }
  c.reshape_to(x, out, x.digit.axis < 0 ? -1 : (x.digit.axis < axis ? 0 : 1));
}

void transpose(Converter& c) {
  c.attrs().only({"perm"});
  Value& x = c.input(0);
  const Shape in = c.shape_of(x);
  const int64_t r = static_cast<int64_t>(in.size());
  std::vector<int64_t> perm(r);
  for (int64_t i = 0; i < r; ++i) perm[i] = r - 1 - i;
  perm = c.attrs().get_ints("perm", perm);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  bool permutes = static_cast<int64_t>(sorted.size()) == r;
  for (int64_t i = 0; permutes && i < r; ++i) permutes = sorted[i] == i;
  if (!permutes) fault("perm is not a permutation of the axes");
  if (x.known) {
    c.set_known(0, fold(x.st.kind, x.st.batch_dependent(),
                        [&](int ver) { return transpose_values(in, x.st.at(ver), perm); }));
    return;
  }
  Attrs a;
  a.set("perm", perm);
  c.set_output(0, c.dynamic(c.emit(OpKind::Transpose, {c.engine(x)}, a)));
}

// Zero padding of the spatial axes of [N, C, H, W], left for the Conv or AveragePool reading it.
void pad(Converter& c) {
  c.attrs().only({"mode"});
  if (c.attrs().get_string("mode", "constant") != "constant")
    fault("only constant padding is supported");
  if (c.has_input(3)) fault("padding selected axes is not supported");
  Value& x = c.input(0);
  const std::vector<int64_t> pads = fixed_ints(c, 1, "pads");
  const int64_t r = rank_of(c, x);
  if (static_cast<int64_t>(pads.size()) != 2 * r)
    fault("pads has " + std::to_string(pads.size()) + " values for rank " + std::to_string(r));
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) {
    c.set_output(0, x);
    return;
  }
  if (c.has_input(2)) {
    const StaticTensor& v = c.known_input(2, "the padding value");
    if (v.v0.size() != 1 || v.v0[0] != 0.0) fault("pads with a value other than 0");
  }
  if (x.known || r != 4 || pads[0] || pads[1] || pads[4] || pads[5]) {
    fault("only zero padding of the spatial axes of an activation [N, C, H, W] is supported");
  }
  for (int64_t p : pads) {
    if (p < 0 || p > kMaxWindow) fault("pads " + std::to_string(p) + " is out of range");
  }
  Value v = x;
  if (v.pad.empty()) v.pad.assign(4, 0);
  v.pad[0] += pads[2];
  v.pad[1] += pads[3];
  v.pad[2] += pads[6];
  v.pad[3] += pads[7];
  c.set_output(0, std::move(v));
}

}  // namespace

void add_shape_handlers(HandlerTable& t) {
  t["Identity"] = identity;
  t["Dropout"] = dropout;
  t["Cast"] = cast;
  t["Constant"] = constant;
  t["ConstantOfShape"] = constant_of_shape;
  t["Shape"] = shape;
  t["Gather"] = gather;
  t["Unsqueeze"] = unsqueeze;
  t["Squeeze"] = squeeze;
  t["Concat"] = concat;
  t["Slice"] = slice;
  t["Reshape"] = reshape;
  t["Flatten"] = flatten;
  t["Transpose"] = transpose;
  t["Pad"] = pad;
}

}  // namespace hess::onnx_import
