// JSON: the parser every JSON reader goes through (model config, statistics, run results,
// timing sidecars), then the Polygraphy RunResults reader on the same bytes. A document that
// parses, dumped, must parse again; run results that load, saved, must load again.
#include <string>

#include "../invariant.h"
#include "../targets.h"
#include "compare/comparator.h"
#include "core/json.h"

namespace actrt::fuzz {

int json(FuzzInput bytes) {
  quiet_logs();
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  auto doc = parse_json(text, "fuzz.json");
  if (!doc.ok()) return 0;
  for (int indent : {0, 2}) {
    const std::string dumped = dump_json(doc.value(), indent);
    auto again = parse_json(dumped, "fuzz.json (dumped)");
    FUZZ_INVARIANT(again.ok(), "a parsed document, dumped with indent {}, does not parse: {}",
                   indent, again.status().to_string());
  }
  auto results = compare::run_results_from_json(text, "fuzz.json");
  if (!results.ok()) return 0;
  auto saved = compare::run_results_to_json(results.value());
  FUZZ_INVARIANT(saved.ok(), "loaded run results do not save: {}", saved.status().to_string());
  auto reloaded = compare::run_results_from_json(saved.value(), "fuzz.json (saved again)");
  FUZZ_INVARIANT(reloaded.ok(), "loaded run results, saved, do not load: {}",
                 reloaded.status().to_string());
  return 0;
}

}  // namespace actrt::fuzz
