// Scoring methods (docs/scoring.md) and which DeepLIFT rule each applies to an
// elementwise nonlinearity.
#pragma once
#include <string>
#include <vector>

#include "deeplift/layers/layer.hpp"

namespace deeplift {

enum class Method { RevealCancel, Rescale, GenomicsDefault, GradInput, IntegratedGradients, GuidedBackprop, Ism };

struct MethodInfo {
  Method method;
  std::string name;
  std::string summary;  // one line for --help
};

const std::vector<MethodInfo>& all_methods();
// Throws UsageError listing the known names.
Method parse_method(const std::string& name);
const std::string& method_name(Method method);

// The rule for an elementwise layer of a layer stack whose preceding layer
// is `previous` (nullptr at the model input): RevealCancel directly after
// conv1d/dense, Rescale after anything else. DeepLiftScorer decides per
// graph node instead, looking through pass-through layers
// (docs/graph-models.md); for a stack the two agree except after flatten.
NonlinearRule rule_for(Method method, const Layer* previous);

// Whether the method compares against a reference (all but ism).
bool uses_reference(Method method);

}  // namespace deeplift
