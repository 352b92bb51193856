// Building engines from networks (include/actrt/engine.h): the builder half of the engine API,
// kept apart from src/api/runtime/engine.cc so that the runtime-only library never links the
// builder, the importer or quantization.
#include "actrt/engine.h"

#include "engine/builder.h"
#include "policy/contract_json.h"
#include "runtime/plan.h"

namespace actrt {

Result<std::shared_ptr<Network>> network_from_onnx_path_shared(const std::string& path,
                                                               const NetworkOptions& options) {
  ASSIGN_OR_RETURN(Network net, network_from_onnx_path(path, options));
  return std::make_shared<Network>(std::move(net));
}

Result<std::shared_ptr<Engine>> engine_from_network(const Network& network,
                                                    const BuilderConfig& config) {
  ASSIGN_OR_RETURN(auto plan, engine::build_plan(network.graph(), config));
  // A policy engine is the whole artifact: its contract travels in the file.
  if (const PolicyContract* contract = network.policy_contract())
    plan->metadata[policy::kPolicyContractKey] = dump_json(policy::contract_to_json(*contract), 0);
  return std::make_shared<Engine>(std::move(plan));
}

Result<std::shared_ptr<Network>> NetworkFromOnnxPath::operator()() const {
  return network_from_onnx_path_shared(path_, options_);
}

Result<std::shared_ptr<Engine>> EngineFromNetwork::operator()() const {
  ASSIGN_OR_RETURN(std::shared_ptr<Network> net, network_());
  return engine_from_network(*net, config_);
}

}  // namespace actrt
