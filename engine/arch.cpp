#include "engine/arch.h"

#include <cmath>
#include <regex>
#include <stdexcept>

#include "engine/field_error.h"
#include "engine/op_registry.h"

namespace hess {

namespace {

constexpr int64_t kMaxExtent = int64_t{1} << 24;  // any single size beyond this is a typo

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t p = s.find(sep, start);
    out.push_back(s.substr(start, p - start));
    if (p == std::string::npos) break;
    start = p + 1;
  }
  return out;
}

struct SpecError {
  std::string spec;
  [[noreturn]] void operator()(const std::string& what) const {
    throw FieldError("arch", "'" + spec + "': " + what);
  }
};

int64_t parse_size(const std::string& tok, const SpecError& fail) {
  if (tok.empty() || tok.size() > 9 || tok.find_first_not_of("0123456789") != std::string::npos) {
    fail("'" + tok + "' is not a positive size");
  }
  const int64_t v = std::stoll(tok);
  if (v <= 0 || v > kMaxExtent) fail("size '" + tok + "' out of range");
  return v;
}

bool is_number(const std::string& tok) {
  return !tok.empty() && tok.find_first_not_of("0123456789") == std::string::npos;
}

// "1x28x28" -> {1, 28, 28}
Shape parse_shape(const std::string& tok, const SpecError& fail) {
  Shape s;
  for (const std::string& part : split(tok, 'x')) s.push_back(parse_size(part, fail));
  return s;
}

OpKind parse_activation(const std::string& name, const SpecError& fail) {
  static const std::vector<OpKind> acts = {OpKind::Relu,     OpKind::Tanh,     OpKind::Sigmoid,
                                           OpKind::Gelu,     OpKind::GeluTanh, OpKind::Silu,
                                           OpKind::Softplus, OpKind::LeakyRelu};
  for (OpKind k : acts) {
    if (name_of(k) == name) return k;
  }
  fail("unknown activation '" + name +
       "' (relu, tanh, sigmoid, gelu, gelu_tanh, silu, softplus, leaky_relu)");
}

Model build_mlp(const std::vector<std::string>& sizes, OpKind act, const ArchOptions& opt,
                const SpecError& fail) {
  if (sizes.size() < 2) fail("an mlp needs at least an input and an output size");
  Shape in_shape = parse_shape(sizes[0], fail);
  const int64_t features = numel(in_shape);
  if (in_shape.size() == 1 && !opt.sample_shape.empty() && numel(opt.sample_shape) == features) {
    in_shape = opt.sample_shape;
  }
  GraphBuilder b(in_shape);
  b.limit_params(opt.max_params);
  int h = b.input();
  if (in_shape.size() > 1) h = b.flatten(h);
  int64_t width = features;
  for (size_t i = 1; i < sizes.size(); ++i) {
    const int64_t out = parse_size(sizes[i], fail);
    h = b.linear(h, width, out, "fc" + std::to_string(i));
    if (i + 1 < sizes.size()) h = b.activation(h, act);
    width = out;
  }
  return b.finish(h, opt.loss, opt.seed);
}

Model build_cnn(const std::vector<std::string>& toks, OpKind act, const ArchOptions& opt,
                const SpecError& fail) {
  if (toks.size() < 2) fail("a cnn needs an input shape CxHxW and at least one layer");
  const Shape in_shape = parse_shape(toks[0], fail);
  if (in_shape.size() != 3) fail("the cnn input must be CxHxW, got '" + toks[0] + "'");
  GraphBuilder b(in_shape);
  b.limit_params(opt.max_params);
  int h = b.input();
  int64_t C = in_shape[0], H = in_shape[1], W = in_shape[2];
  bool flat = false;
  int64_t features = 0;
  int convs = 0, fcs = 0;
  const std::regex conv_re("c([0-9]+)k([0-9]+)(s([0-9]+))?(p([0-9]+))?");
  const std::regex pool_re("pool([0-9]+)");
  size_t last_linear = 0;
  for (size_t i = 1; i < toks.size(); ++i) {
    if (is_number(toks[i])) last_linear = i;
  }
  for (size_t i = 1; i < toks.size(); ++i) {
    const std::string& t = toks[i];
    std::smatch m;
    if (is_number(t)) {
      if (!flat) {
        h = b.flatten(h);
        features = C * H * W;
        flat = true;
      }
      const int64_t out = parse_size(t, fail);
      h = b.linear(h, features, out, "fc" + std::to_string(++fcs));
      if (i != last_linear) h = b.activation(h, act);
      features = out;
      continue;
    }
    if (flat) fail("'" + t + "' follows a linear layer; convolutions and pooling come first");
    if (std::regex_match(t, m, conv_re)) {
      const int64_t n = parse_size(m[1], fail), k = parse_size(m[2], fail);
      const int64_t s = m[4].matched ? parse_size(m[4], fail) : 1;
      const int64_t p = m[6].matched ? std::stoll(m[6]) : 0;
      const int64_t oh = (H + 2 * p - k) / s + 1, ow = (W + 2 * p - k) / s + 1;
      if (H + 2 * p < k || W + 2 * p < k || oh <= 0 || ow <= 0) {
        fail("'" + t + "' does not fit its " + std::to_string(H) + "x" + std::to_string(W) +
             " input");
      }
      h = b.conv2d(h, C, n, k, s, p, "conv" + std::to_string(++convs));
      h = b.activation(h, act);
      C = n, H = oh, W = ow;
    } else if (std::regex_match(t, m, pool_re)) {
      const int64_t k = parse_size(m[1], fail);
      if (k > H || k > W)
        fail("'" + t + "' is larger than its " + std::to_string(H) + "x" + std::to_string(W) +
             " input");
      h = b.max_pool(h, k, k);
      H = (H - k) / k + 1, W = (W - k) / k + 1;
    } else if (t == "gap") {
      h = b.global_avg_pool(h);
      H = W = 1;
    } else {
      fail("unknown layer '" + t + "' (cNkK[sS][pP], poolK, gap, or a linear size)");
    }
  }
  if (!flat) fail("a cnn must end with a linear layer (a number of outputs)");
  return b.finish(h, opt.loss, opt.seed);
}

Model build_resnet(const std::vector<std::string>& toks, OpKind act, const ArchOptions& opt,
                   const SpecError& fail) {
  if (toks.size() != 4) fail("a resnet is CxHxW-wW-bB-CLASSES");
  const Shape in_shape = parse_shape(toks[0], fail);
  if (in_shape.size() != 3) fail("the resnet input must be CxHxW");
  if (toks[1].size() < 2 || toks[1][0] != 'w')
    fail("expected the width as wN, got '" + toks[1] + "'");
  if (toks[2].size() < 2 || toks[2][0] != 'b')
    fail("expected the block count as bN, got '" + toks[2] + "'");
  const int64_t width = parse_size(toks[1].substr(1), fail);
  const int64_t blocks = parse_size(toks[2].substr(1), fail);
  const int64_t classes = parse_size(toks[3], fail);
  GraphBuilder b(in_shape);
  b.limit_params(opt.max_params);
  int h = b.conv2d(b.input(), in_shape[0], width, 3, 1, 1, "conv1", false);
  h = b.activation(b.batch_norm(h, width, "bn1"), act);
  for (int64_t i = 0; i < blocks; ++i) {
    const std::string p = "layer1." + std::to_string(i);
    int r = b.conv2d(h, width, width, 3, 1, 1, p + ".conv1", false);
    r = b.activation(b.batch_norm(r, width, p + ".bn1"), act);
    r = b.conv2d(r, width, width, 3, 1, 1, p + ".conv2", false);
    r = b.batch_norm(r, width, p + ".bn2");
    h = b.activation(b.op(OpKind::Add, {r, h}, {}, p + ".add"), act);
  }
  h = b.flatten(b.global_avg_pool(h));
  h = b.linear(h, width, classes, "fc");
  return b.finish(h, opt.loss, opt.seed);
}

Model build_transformer(const std::vector<std::string>& toks, OpKind act, const ArchOptions& opt,
                        const SpecError& fail) {
  if (toks.size() != 6) fail("a transformer is sS-vV-dD-hH-fF-CLASSES");
  const char keys[] = {'s', 'v', 'd', 'h', 'f'};
  int64_t val[5];
  for (int i = 0; i < 5; ++i) {
    if (toks[i].size() < 2 || toks[i][0] != keys[i])
      fail(std::string("expected ") + keys[i] + "N, got '" + toks[i] + "'");
    val[i] = parse_size(toks[i].substr(1), fail);
  }
  const int64_t T = val[0], V = val[1], D = val[2], H = val[3], F = val[4];
  const int64_t classes = parse_size(toks[5], fail);
  if (D % H != 0) fail("the width d must be a multiple of the head count h");
  const int64_t dh = D / H;
  GraphBuilder b({T});
  b.limit_params(opt.max_params);
  int x = b.embedding(b.input(), V, D, "tok_emb");
  const int pos = b.param("pos_emb", {T, D}, BlockRole::Embedding, Init::normal(0.02));
  x = b.op(OpKind::Add, {x, pos}, {}, "embed");
  const std::string p = "blocks.0";
  // Attention: heads split [B, T, D] -> [B, H, T, dh].
  int a = b.layer_norm(x, D, p + ".ln1");
  auto heads = [&](int t) {
    Attrs r;
    r.set("shape", std::vector<int64_t>{0, T, H, dh});
    Attrs tr;
    tr.set("perm", std::vector<int64_t>{0, 2, 1, 3});
    return b.op(OpKind::Transpose, {b.op(OpKind::Reshape, {t}, r)}, tr);
  };
  const int q = heads(b.linear(a, D, D, p + ".attn.q"));
  const int k = heads(b.linear(a, D, D, p + ".attn.k"));
  const int v = heads(b.linear(a, D, D, p + ".attn.v"));
  Attrs kt;
  kt.set("perm", std::vector<int64_t>{0, 1, 3, 2});
  Tensor<double> scale({1});
  scale.at(0) = 1.0 / std::sqrt(static_cast<double>(dh));
  int s = b.op(OpKind::MatMul, {q, b.op(OpKind::Transpose, {k}, kt)});
  s = b.op(OpKind::Mul, {s, b.constant(p + ".attn.scale", scale)});
  Attrs sm;
  sm.set("axis", int64_t{-1});
  s = b.op(OpKind::Softmax, {s}, sm);
  int o = b.op(OpKind::MatMul, {s, v});
  Attrs back;
  back.set("perm", std::vector<int64_t>{0, 2, 1, 3});
  Attrs merge;
  merge.set("shape", std::vector<int64_t>{0, T, D});
  o = b.op(OpKind::Reshape, {b.op(OpKind::Transpose, {o}, back)}, merge);
  o = b.linear(o, D, D, p + ".attn.out");
  x = b.op(OpKind::Add, {x, o}, {}, p + ".res1");
  // Feed-forward.
  int f = b.layer_norm(x, D, p + ".ln2");
  f = b.activation(b.linear(f, D, F, p + ".ff1"), act);
  f = b.linear(f, F, D, p + ".ff2");
  x = b.op(OpKind::Add, {x, f}, {}, p + ".res2");
  Attrs mean;
  mean.set("axes", std::vector<int64_t>{1});
  mean.set("keepdims", int64_t{0});
  x = b.op(OpKind::ReduceMean, {x}, mean, "pool");
  x = b.linear(x, D, classes, "head");
  return b.finish(x, opt.loss, opt.seed);
}

}  // namespace

Model build_arch(const std::string& spec, const ArchOptions& options) {
  const SpecError fail{spec};
  const std::vector<std::string> parts = split(spec, ':');
  if (parts.size() < 2 || parts.size() > 3)
    fail("expected KIND:LAYERS[:ACTIVATION] (kinds: mlp, cnn, resnet, transformer)");
  const std::string& kind = parts[0];
  const std::vector<std::string> toks = split(parts[1], '-');
  OpKind act = OpKind::Relu;
  if (parts.size() == 3) act = parse_activation(parts[2], fail);
  if (kind == "transformer" && parts.size() == 2) act = OpKind::Gelu;
  try {
    if (kind == "mlp") return build_mlp(toks, act, options, fail);
    if (kind == "cnn") return build_cnn(toks, act, options, fail);
    if (kind == "resnet") return build_resnet(toks, act, options, fail);
    if (kind == "transformer") return build_transformer(toks, act, options, fail);
  } catch (const FieldError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  fail("unknown kind '" + kind + "' (mlp, cnn, resnet, transformer)");
}

}  // namespace hess
