#include "io/onnx/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "engine/ops/broadcast.h"
#include "io/onnx/onnx_common.h"

namespace hess::onnx_import {

namespace {

using TP = onnx::TensorProto;

double clamp_int(double v) {
  return std::clamp(v, -static_cast<double>(kIntClamp), static_cast<double>(kIntClamp));
}

// IEEE half and bfloat16 bit patterns to float.
float half_to_float(uint16_t h) {
  const uint32_t sign = (h >> 15) & 1u, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu;
  float v;
  if (exp == 0) {
    v = std::ldexp(static_cast<float>(man), -24);
  } else if (exp == 31) {
    v = man == 0 ? INFINITY : NAN;
  } else {
    v = std::ldexp(static_cast<float>(man | 0x400u), static_cast<int>(exp) - 25);
  }
  return sign ? -v : v;
}

float bfloat_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float v;
  std::memcpy(&v, &bits, sizeof v);
  return v;
}

size_t elem_width(int type) {
  switch (type) {
    case TP::FLOAT:
    case TP::INT32:
    case TP::UINT32:
      return 4;
    case TP::DOUBLE:
    case TP::INT64:
    case TP::UINT64:
      return 8;
    case TP::FLOAT16:
    case TP::BFLOAT16:
    case TP::INT16:
    case TP::UINT16:
      return 2;
    case TP::INT8:
    case TP::UINT8:
    case TP::BOOL:
      return 1;
    default:
      fault("has element type " + std::to_string(type) + ", which the importer does not read");
  }
}

template <class T>
T load(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// One element of little-endian raw data.
double decode_raw(int type, const char* p) {
  switch (type) {
    case TP::FLOAT:
      return load<float>(p);
    case TP::DOUBLE:
      return load<double>(p);
    case TP::FLOAT16:
      return half_to_float(load<uint16_t>(p));
    case TP::BFLOAT16:
      return bfloat_to_float(load<uint16_t>(p));
    case TP::INT64:
      return clamp_int(static_cast<double>(load<int64_t>(p)));
    case TP::UINT64:
      return clamp_int(static_cast<double>(load<uint64_t>(p)));
    case TP::INT32:
      return load<int32_t>(p);
    case TP::UINT32:
      return load<uint32_t>(p);
    case TP::INT16:
      return load<int16_t>(p);
    case TP::UINT16:
      return load<uint16_t>(p);
    case TP::INT8:
      return load<int8_t>(p);
    case TP::UINT8:
      return load<uint8_t>(p);
    default:
      return load<uint8_t>(p) != 0 ? 1.0 : 0.0;  // BOOL
  }
}

// One element stored in int32_data (types narrower than 32 bits and int32 itself).
double decode_int32_field(int type, int32_t v) {
  switch (type) {
    case TP::FLOAT16:
      return half_to_float(static_cast<uint16_t>(v));
    case TP::BFLOAT16:
      return bfloat_to_float(static_cast<uint16_t>(v));
    case TP::BOOL:
      return v != 0 ? 1.0 : 0.0;
    default:
      return v;
  }
}

template <class Field, class Decode>
void read_field(const Field& field, int64_t n, std::vector<double>& out, const char* name,
                Decode decode) {
  if (field.size() != n) {
    fault("has " + std::to_string(field.size()) + " values in " + name + " but its dims hold " +
          std::to_string(n));
  }
  out.resize(n);
  for (int64_t i = 0; i < n; ++i) out[i] = decode(field.Get(static_cast<int>(i)));
}

std::vector<int64_t> strides_of(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}

}  // namespace

std::vector<int64_t> StaticTensor::ints(int version) const {
  const std::vector<double>& v = at(version);
  std::vector<int64_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) fault("holds a non-finite value where an integer is needed");
    out[i] = static_cast<int64_t>(clamp_int(std::trunc(v[i])));
  }
  return out;
}

ElemKind elem_kind(int type) {
  switch (type) {
    case TP::FLOAT:
    case TP::DOUBLE:
    case TP::FLOAT16:
    case TP::BFLOAT16:
      return ElemKind::Real;
    case TP::BOOL:
      return ElemKind::Bool;
    case TP::INT64:
    case TP::UINT64:
    case TP::INT32:
    case TP::UINT32:
    case TP::INT16:
    case TP::UINT16:
    case TP::INT8:
    case TP::UINT8:
      return ElemKind::Integer;
    default:
      fault("has element type " + std::to_string(type) + ", which the importer does not read");
  }
}

double cast_value(double v, int type) {
  switch (elem_kind(type)) {
    case ElemKind::Bool:
      return v != 0 ? 1.0 : 0.0;
    case ElemKind::Integer:
      return std::isfinite(v) ? clamp_int(std::trunc(v)) : 0.0;
    case ElemKind::Real:
      return type == TP::DOUBLE ? v : static_cast<double>(static_cast<float>(v));
  }
  return v;
}

StaticTensor read_tensor(const TP& t) {
  if (t.data_location() == TP::EXTERNAL)
    fault("keeps its data in an external file, which is not supported");
  if (t.has_segment()) fault("is segmented, which is not supported");
  const int type = t.data_type();
  StaticTensor s;
  s.kind = elem_kind(type);
  for (int64_t d : t.dims()) {
    if (static_cast<int64_t>(s.shape.size()) >= kMaxRank) fault("has more than 8 dims");
    s.shape.push_back(d);
  }
  const int64_t n = checked_numel(s.shape, kMaxExtent, "tensor of dims");
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    const size_t w = elem_width(type);
    if (raw.size() != static_cast<size_t>(n) * w) {
      fault("has " + std::to_string(raw.size()) + " bytes of raw data but its dims " +
            to_string(s.shape) + " need " + std::to_string(static_cast<size_t>(n) * w));
    }
    s.v0.resize(n);
    for (int64_t i = 0; i < n; ++i) s.v0[i] = decode_raw(type, raw.data() + i * w);
    return s;
  }
  switch (type) {
    case TP::FLOAT:
      read_field(t.float_data(), n, s.v0, "float_data", [](float v) { return double(v); });
      break;
    case TP::DOUBLE:
      read_field(t.double_data(), n, s.v0, "double_data", [](double v) { return v; });
      break;
    case TP::INT64:
      read_field(t.int64_data(), n, s.v0, "int64_data",
                 [](int64_t v) { return clamp_int(static_cast<double>(v)); });
      break;
    case TP::UINT32:
    case TP::UINT64:
      read_field(t.uint64_data(), n, s.v0, "uint64_data",
                 [](uint64_t v) { return clamp_int(static_cast<double>(v)); });
      break;
    default:
      read_field(t.int32_data(), n, s.v0, "int32_data",
                 [type](int32_t v) { return decode_int32_field(type, v); });
  }
  return s;
}

StaticTensor fold(ElemKind kind, bool dependent, const std::function<Folded(int)>& f) {
  Folded r0 = f(0);
  checked_numel(r0.first, kMaxFoldedElements, "folded tensor");
  StaticTensor t;
  t.kind = kind;
  t.shape = std::move(r0.first);
  t.v0 = std::move(r0.second);
  if (dependent) {
    Folded r1 = f(1);
    if (r1.first != t.shape) fault("its result's shape depends on the batch size");
    if (r1.second != t.v0) t.v1 = std::move(r1.second);
  }
  return t;
}

StaticTensor fold_binary(const StaticTensor& a, const StaticTensor& b, ElemKind kind,
                         const std::function<double(double, double)>& f) {
  Shape out;
  try {
    out = broadcast_shapes(a.shape, b.shape);
  } catch (const std::invalid_argument& e) {
    fault(e.what());
  }
  checked_numel(out, kMaxFoldedElements, "folded tensor");
  const std::vector<int64_t> ia = broadcast_index(a.shape, out), ib = broadcast_index(b.shape, out);
  return fold(kind, a.batch_dependent() || b.batch_dependent(), [&](int ver) {
    const std::vector<double>& x = a.at(ver);
    const std::vector<double>& y = b.at(ver);
    std::vector<double> r(ia.size());
    for (size_t i = 0; i < r.size(); ++i) r[i] = f(x[ia[i]], y[ib[i]]);
    if (kind != ElemKind::Real) {
      for (double& v : r) v = std::isfinite(v) ? clamp_int(std::trunc(v)) : 0.0;
    }
    return Folded{out, r};
  });
}

StaticTensor fold_unary(const StaticTensor& a, ElemKind kind,
                        const std::function<double(double)>& f) {
  return fold(kind, a.batch_dependent(), [&](int ver) {
    std::vector<double> r = a.at(ver);
    for (double& v : r) v = f(v);
    return Folded{a.shape, r};
  });
}

Folded transpose_values(const Shape& shape, const std::vector<double>& x,
                        const std::vector<int64_t>& perm) {
  const size_t r = shape.size();
  Shape out(r);
  for (size_t i = 0; i < r; ++i) out[i] = shape[perm[i]];
  const std::vector<int64_t> st = strides_of(shape);
  std::vector<double> y(x.size());
  std::vector<int64_t> pos(r, 0);
  for (size_t e = 0; e < y.size(); ++e) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i) src += pos[i] * st[perm[i]];
    y[e] = x[src];
    for (size_t i = r; i-- > 0;) {
      if (++pos[i] < out[i]) break;
      pos[i] = 0;
    }
  }
  return {out, y};
}

Folded slice_values(const Shape& shape, const std::vector<double>& x,
                    const std::vector<int64_t>& start, const std::vector<int64_t>& step,
                    const Shape& out) {
  const std::vector<int64_t> st = strides_of(shape);
  const size_t r = shape.size();
  std::vector<double> y(numel(out));
  std::vector<int64_t> pos(r, 0);
  for (size_t e = 0; e < y.size(); ++e) {
    int64_t src = 0;
    for (size_t i = 0; i < r; ++i) src += (start[i] + pos[i] * step[i]) * st[i];
    y[e] = x[src];
    for (size_t i = r; i-- > 0;) {
      if (++pos[i] < out[i]) break;
      pos[i] = 0;
    }
  }
  return {out, y};
}

Folded concat_values(const std::vector<Shape>& shapes,
                     const std::vector<const std::vector<double>*>& parts, int64_t axis) {
  Shape out = shapes.at(0);
  for (size_t q = 1; q < shapes.size(); ++q) {
    if (shapes[q].size() != out.size()) fault("concatenates tensors of different ranks");
    for (size_t i = 0; i < out.size(); ++i) {
      if (static_cast<int64_t>(i) != axis && shapes[q][i] != out[i]) {
        fault("concatenates " + to_string(shapes[q]) + " and " + to_string(shapes[0]) +
              " along axis " + std::to_string(axis));
      }
    }
    out[axis] += shapes[q][axis];
  }
  checked_numel(out, kMaxFoldedElements, "folded tensor");
  const int64_t outer = numel_range(out, 0, axis);
  std::vector<double> y;
  y.reserve(numel(out));
  for (int64_t o = 0; o < outer; ++o) {
    for (size_t q = 0; q < parts.size(); ++q) {
      const int64_t len = numel_range(shapes[q], axis, shapes[q].size());
      y.insert(y.end(), parts[q]->begin() + o * len, parts[q]->begin() + (o + 1) * len);
    }
  }
  return {out, y};
}

Folded gather_values(const Shape& shape, const std::vector<double>& x, int64_t axis,
                     const Shape& index_shape, const std::vector<int64_t>& indices) {
  Shape out(shape.begin(), shape.begin() + axis);
  out.insert(out.end(), index_shape.begin(), index_shape.end());
  out.insert(out.end(), shape.begin() + axis + 1, shape.end());
  checked_numel(out, kMaxFoldedElements, "folded tensor");
  const int64_t outer = numel_range(shape, 0, axis),
                inner = numel_range(shape, axis + 1, shape.size());
  const int64_t d = shape[axis];
  std::vector<double> y;
  y.reserve(numel(out));
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t idx : indices) {
      const int64_t k = idx < 0 ? idx + d : idx;
      if (k < 0 || k >= d)
        fault("index " + std::to_string(idx) + " is out of range for extent " + std::to_string(d));
      const auto first = x.begin() + (o * d + k) * inner;
      y.insert(y.end(), first, first + inner);
    }
  }
  return {out, y};
}

int64_t normalize_axis(int64_t axis, int64_t rank, const char* what) {
  const int64_t a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    fault(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
          std::to_string(rank));
  }
  return a;
}

}  // namespace hess::onnx_import
