// ONNX convolution, pooling and normalization: Conv, MaxPool, AveragePool, GlobalAveragePool,
// BatchNormalization (running statistics), LayerNormalization. Windows are 2-D over [N, C, H, W].
#include <algorithm>

#include "engine/op_kind.h"
#include "io/onnx/onnx_common.h"
#include "io/onnx/onnx_converter.h"

namespace hess::onnx_import {

namespace {

// A 2-D window in engine attributes: padding [top, left, bottom, right].
struct Window {
  std::vector<int64_t> kernel, stride, dilation, padding;
};

std::vector<int64_t> pair_attr(Converter& c, const char* name, std::vector<int64_t> fallback,
                               int64_t lo) {
  std::vector<int64_t> v = c.attrs().get_ints(name, std::move(fallback));
  if (v.size() != 2) fault(std::string(name) + " must hold 2 values for a 2-D window");
  for (int64_t x : v) {
    if (x < lo || x > kMaxWindow)
      fault(std::string(name) + " value " + std::to_string(x) + " is out of range");
  }
  return v;
}

// The window of a Conv or pooling node over input x [N, C, H, W] with kernel `kernel`.
Window read_window(Converter& c, const Shape& x, std::vector<int64_t> kernel, bool dilations) {
  Window w;
  w.kernel = pair_attr(c, "kernel_shape", kernel, 1);
  if (!kernel.empty() && w.kernel != kernel) fault("kernel_shape does not match the weight");
  w.stride = pair_attr(c, "strides", {1, 1}, 1);
  w.dilation = dilations ? pair_attr(c, "dilations", {1, 1}, 1) : std::vector<int64_t>{1, 1};
  std::vector<int64_t> pads = c.attrs().get_ints("pads", {0, 0, 0, 0});
  if (pads.size() != 4) fault("pads must hold 4 values for a 2-D window");
  for (int64_t p : pads) {
    if (p < 0 || p > kMaxWindow) fault("pads value " + std::to_string(p) + " is out of range");
  }
  const std::string mode = c.attrs().get_string("auto_pad", "NOTSET");
  if (mode == "VALID") {
    pads.assign(4, 0);
  } else if (mode == "SAME_UPPER" || mode == "SAME_LOWER") {
    for (int i = 0; i < 2; ++i) {
      const int64_t in = x[2 + i], s = w.stride[i];
      const int64_t out = (in + s - 1) / s;
      const int64_t total =
          std::max<int64_t>(0, (out - 1) * s + (w.kernel[i] - 1) * w.dilation[i] + 1 - in);
      const int64_t small = total / 2, large = total - small;
      pads[i] = mode == "SAME_UPPER" ? small : large;
      pads[i + 2] = mode == "SAME_UPPER" ? large : small;
    }
  } else if (mode != "NOTSET") {
    fault("auto_pad '" + mode + "' is not supported");
  }
  w.padding = pads;
  return w;
}

const Shape& image_shape(Converter& c, Value& x) {
  const Shape& s = c.shape_of(x);
  if (s.size() != 4)
    fault("only 2-D windows over [N, C, H, W] are supported, the input has shape " + to_string(s));
  if (!x.known && x.digit.axis != 0) fault("the input does not carry the batch on axis 0");
  return s;
}

// The engine node of x without the padding a Pad left on it, and that padding added to `padding`.
int absorb_pad(Converter& c, Value& x, std::vector<int64_t>& padding) {
  if (x.pad.empty()) return c.engine(x);
  for (int i = 0; i < 4; ++i) padding[i] += x.pad[i];
  return x.node;
}

void conv(Converter& c) {
  c.attrs().only({"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
  Value& x = c.input(0);
  Value& w = c.input(1);
  const Shape xs = image_shape(c, x);
  const Shape ws = c.shape_of(w);
  if (ws.size() != 4)
    fault("the weight must have shape [out, in / group, kh, kw], got " + to_string(ws));
  const int64_t groups = c.attrs().get_int("group", 1);
  if (groups < 1 || xs[1] % groups != 0 || ws[0] % groups != 0 || ws[1] * groups != xs[1]) {
    fault("group " + std::to_string(groups) + " does not fit input " + to_string(xs) +
          " and weight " + to_string(ws));
  }
  Window win = read_window(c, xs, {ws[2], ws[3]}, true);
  const int xn = absorb_pad(c, x, win.padding);
  std::vector<int> ins{xn, c.engine(w)};
  if (c.has_input(2)) ins.push_back(c.engine_input(2));
  Attrs a;
  a.set("stride", win.stride);
  a.set("padding", win.padding);
  a.set("dilation", win.dilation);
  a.set("groups", groups);
  c.set_output(0, c.dynamic(c.emit(OpKind::Conv2d, ins, a)));
}

void max_pool(Converter& c) {
  c.attrs().only(
      {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"});
  c.require_unused_output(1);
  Value& x = c.input(0);
  const Shape xs = image_shape(c, x);
  if (!c.attrs().has("kernel_shape")) fault("has no kernel_shape");
  const Window win = read_window(c, xs, {}, true);
  if (win.dilation != std::vector<int64_t>{1, 1}) fault("dilated max pooling is not supported");
  Attrs a;
  a.set("kernel", win.kernel);
  a.set("stride", win.stride);
  a.set("padding", win.padding);
  a.set("ceil_mode", c.attrs().get_int("ceil_mode", 0) != 0 ? int64_t{1} : int64_t{0});
  c.set_output(0, c.dynamic(c.emit(OpKind::MaxPool2d, {c.engine(x)}, a)));
}

// A Pad before an AveragePool (how PyTorch exports AvgPool2d(padding=p)) joins the pool's padding,
// counted in the average.
void average_pool(Converter& c) {
  c.attrs().only({"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
  Value& x = c.input(0);
  const Shape xs = image_shape(c, x);
  if (!c.attrs().has("kernel_shape")) fault("has no kernel_shape");
  Window win = read_window(c, xs, {}, false);
  int64_t include = c.attrs().get_int("count_include_pad", 0) != 0 ? 1 : 0;
  const int64_t ceil_mode = c.attrs().get_int("ceil_mode", 0) != 0 ? 1 : 0;
  if (!x.pad.empty()) {
    const bool own =
        std::any_of(win.padding.begin(), win.padding.end(), [](int64_t p) { return p != 0; });
    if (ceil_mode || (own && !include)) fault("cannot join its input's Pad with its own padding");
    include = 1;
  }
  const int xn = absorb_pad(c, x, win.padding);
  Attrs a;
  a.set("kernel", win.kernel);
  a.set("stride", win.stride);
  a.set("padding", win.padding);
  a.set("ceil_mode", ceil_mode);
  a.set("count_include_pad", include);
  c.set_output(0, c.dynamic(c.emit(OpKind::AvgPool2d, {xn}, a)));
}

void global_average_pool(Converter& c) {
  c.attrs().only({});
  Value& x = c.input(0);
  image_shape(c, x);
  c.set_output(0, c.dynamic(c.emit(OpKind::GlobalAvgPool, {c.engine(x)})));
}

// Inference form with the running statistics, whatever training_mode says: the engine analyses the
// model in evaluation mode (docs/onnx.md).
void batch_norm(Converter& c) {
  c.attrs().only({"epsilon", "momentum", "training_mode"});
  for (int k = 1; k < 5; ++k) c.require_unused_output(k);
  Value& x = c.input(0);
  if (!x.known && x.digit.axis != 0) fault("the input does not carry the batch on axis 0");
  for (int k = 3; k < 5; ++k) {
    if (!c.input(k).known)
      fault("its running statistics ('" + c.input(k).name + "') must be initializers");
  }
  Attrs a;
  a.set("epsilon", c.attrs().get_float("epsilon", 1e-5));
  std::vector<int> ins{c.engine(x)};
  for (int k = 1; k < 5; ++k) ins.push_back(c.engine_input(k));
  c.set_output(0, c.dynamic(c.emit(OpKind::BatchNorm, ins, a)));
}

void layer_norm(Converter& c) {
  c.attrs().only({"axis", "epsilon", "stash_type"});
  c.require_unused_output(1);
  c.require_unused_output(2);
  Value& x = c.input(0);
  const Shape xs = c.shape_of(x);
  const int64_t r = static_cast<int64_t>(xs.size());
  const int64_t axis = normalize_axis(c.attrs().get_int("axis", -1), r, "axis");
  if (!x.known && x.digit.axis >= axis)
    fault("normalizes over the batch axis, which mixes samples");
  const Shape normalized(xs.begin() + axis, xs.end());
  auto affine = [&](int k, double fill, const char* suffix) {
    if (c.has_input(k)) return c.engine_input(k);
    Tensor<double> t(normalized);
    for (double& v : t) v = fill;
    return c.emitter().constant(c.node().name() + suffix, t);
  };
  const int gamma = affine(1, 1.0, "/ones"), beta = affine(2, 0.0, "/zeros");
  Attrs a;
  a.set("axis", axis - r);
  a.set("epsilon", c.attrs().get_float("epsilon", 1e-5));
  c.set_output(0, c.dynamic(c.emit(OpKind::LayerNorm, {c.engine(x), gamma, beta}, a)));
}

}  // namespace

void add_nn_handlers(HandlerTable& t) {
  t["Conv"] = conv;
  t["MaxPool"] = max_pool;
  t["AveragePool"] = average_pool;
  t["GlobalAveragePool"] = global_average_pool;
  t["BatchNormalization"] = batch_norm;
  t["LayerNormalization"] = layer_norm;
}

}  // namespace hess::onnx_import
