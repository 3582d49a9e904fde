#include "io/onnx/onnx_attrs.h"

#include <onnx/onnx_pb.h>

#include <algorithm>

#include "io/onnx/onnx_common.h"

namespace hess::onnx_import {

namespace {
using AP = onnx::AttributeProto;

// No ONNX op has more attributes than this.
constexpr int kMaxAttributes = 64;

const char* type_name(int t) {
  switch (t) {
    case AP::FLOAT:
      return "FLOAT";
    case AP::INT:
      return "INT";
    case AP::STRING:
      return "STRING";
    case AP::TENSOR:
      return "TENSOR";
    case AP::FLOATS:
      return "FLOATS";
    case AP::INTS:
      return "INTS";
    default:
      return "another type";
  }
}
}  // namespace

OnnxAttrs::OnnxAttrs(const onnx::NodeProto& node) : node_(node) {
  if (node.attribute_size() > kMaxAttributes)
    fault("has more than " + std::to_string(kMaxAttributes) + " attributes");
  for (int i = 0; i < node.attribute_size(); ++i) {
    for (int j = 0; j < i; ++j) {
      if (node.attribute(i).name() == node.attribute(j).name()) {
        fault("attribute '" + node.attribute(i).name() + "' is given twice");
      }
    }
  }
}

const AP* OnnxAttrs::find(const std::string& name) const {
  for (const AP& a : node_.attribute()) {
    if (a.name() == name) return &a;
  }
  return nullptr;
}

const AP* OnnxAttrs::typed(const std::string& name, int type) const {
  const AP* a = find(name);
  if (a && a->type() != type) {
    fault(std::string("attribute '") + name + "' has type " + type_name(a->type()) + ", expected " +
          type_name(type));
  }
  return a;
}

int64_t OnnxAttrs::get_int(const std::string& name, int64_t fallback) const {
  const AP* a = typed(name, AP::INT);
  if (!a) return fallback;
  if (a->i() < -kIntClamp || a->i() > kIntClamp) fault("attribute '" + name + "' is out of range");
  return a->i();
}

double OnnxAttrs::get_float(const std::string& name, double fallback) const {
  const AP* a = typed(name, AP::FLOAT);
  return a ? a->f() : fallback;
}

std::string OnnxAttrs::get_string(const std::string& name, const std::string& fallback) const {
  const AP* a = typed(name, AP::STRING);
  return a ? a->s() : fallback;
}

std::vector<int64_t> OnnxAttrs::get_ints(const std::string& name,
                                         std::vector<int64_t> fallback) const {
  const AP* a = typed(name, AP::INTS);
  if (!a) return fallback;
  if (a->ints_size() > 64) fault("attribute '" + name + "' has more than 64 values");
  std::vector<int64_t> v(a->ints().begin(), a->ints().end());
  for (int64_t x : v) {
    if (x < -kIntClamp || x > kIntClamp) fault("attribute '" + name + "' is out of range");
  }
  return v;
}

std::vector<double> OnnxAttrs::get_floats(const std::string& name) const {
  const AP* a = typed(name, AP::FLOATS);
  if (!a) return {};
  return std::vector<double>(a->floats().begin(), a->floats().end());
}

const onnx::TensorProto* OnnxAttrs::get_tensor(const std::string& name) const {
  const AP* a = typed(name, AP::TENSOR);
  return a ? &a->t() : nullptr;
}

void OnnxAttrs::only(const std::vector<std::string>& known) const {
  for (const AP& a : node_.attribute()) {
    if (std::find(known.begin(), known.end(), a.name()) == known.end()) {
      fault("attribute '" + a.name() + "' is not supported");
    }
  }
}

}  // namespace hess::onnx_import
