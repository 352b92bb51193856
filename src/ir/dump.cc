#include "ir/dump.h"

#include <sstream>

namespace actrt::ir {

namespace {
std::string type_of(const Value* v) {
  if (!v) return "<absent>";
  std::string s = v->is_constant() ? "const " : "";
  s += std::string(dtype_name(v->dtype()));
  s += v->has_shape() ? " " + shape_to_string(v->shape()) : " ?";
  return s;
}
}  // namespace

std::string dump_graph(const Graph& graph) {
  std::ostringstream os;
  os << "graph '" << graph.name() << "' (opset " << graph.opset() << ", " << graph.node_count()
     << " nodes)\n";
  for (const Value* v : graph.inputs()) os << "  input  " << v->name() << ": " << type_of(v) << "\n";
  size_t index = 0;
  for (const auto& n : graph.nodes()) {
    os << "  [" << index++ << "] " << n->describe() << " (";
    for (size_t i = 0; i < n->inputs().size(); ++i) {
      const Value* v = n->inputs()[i];
      os << (i ? ", " : "") << (v ? v->name() : "") << ": " << type_of(v);
    }
    os << ") -> ";
    for (size_t i = 0; i < n->outputs().size(); ++i) {
      const Value* v = n->outputs()[i];
      os << (i ? ", " : "") << (v ? v->name() : "") << ": " << type_of(v);
    }
    if (!n->attributes().empty()) {
      os << "  {";
      bool first = true;
      for (const auto& [name, a] : n->attributes()) {
        os << (first ? "" : ", ") << name << "=" << a.to_string();
        first = false;
      }
      os << "}";
    }
    os << "\n";
  }
  for (const Value* v : graph.outputs()) os << "  output " << v->name() << ": " << type_of(v) << "\n";
  return os.str();
}

}  // namespace actrt::ir
