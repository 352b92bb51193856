#include "ir/attribute.h"

#include <sstream>

namespace actrt::ir {

std::string_view attr_kind_name(AttrKind k) {
  switch (k) {
    case AttrKind::kUndefined: return "undefined";
    case AttrKind::kFloat: return "float";
    case AttrKind::kInt: return "int";
    case AttrKind::kString: return "string";
    case AttrKind::kTensor: return "tensor";
    case AttrKind::kGraph: return "graph";
    case AttrKind::kFloats: return "floats";
    case AttrKind::kInts: return "ints";
    case AttrKind::kStrings: return "strings";
    case AttrKind::kTensors: return "tensors";
    case AttrKind::kGraphs: return "graphs";
    case AttrKind::kSparseTensor: return "sparse_tensor";
    case AttrKind::kSparseTensors: return "sparse_tensors";
    case AttrKind::kTypeProto: return "type_proto";
    case AttrKind::kTypeProtos: return "type_protos";
  }
  return "unknown";
}

namespace {
template <typename T>
std::string join(const std::vector<T>& v) {
  std::ostringstream os;
  os << '[';
  const size_t shown = v.size() > 8 ? 8 : v.size();
  for (size_t i = 0; i < shown; ++i) os << (i ? ", " : "") << v[i];
  if (shown < v.size()) os << ", ... (" << v.size() << ")";
  os << ']';
  return os.str();
}
}  // namespace

std::string Attribute::to_string() const {
  std::ostringstream os;
  switch (kind) {
    case AttrKind::kFloat: os << f; break;
    case AttrKind::kInt: os << i; break;
    case AttrKind::kString: os << '"' << s << '"'; break;
    case AttrKind::kTensor: os << "tensor " << dtype_name(t.dtype()) << ' ' << shape_to_string(t.shape()); break;
    case AttrKind::kFloats: os << join(floats); break;
    case AttrKind::kInts: os << join(ints); break;
    case AttrKind::kStrings: os << join(strings); break;
    case AttrKind::kTensors: os << tensors.size() << " tensors"; break;
    default: os << '<' << attr_kind_name(kind) << '>'; break;
  }
  return os.str();
}

}  // namespace actrt::ir
