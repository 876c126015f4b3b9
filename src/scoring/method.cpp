#include "deeplift/scoring/method.hpp"

#include "deeplift/errors.hpp"

namespace deeplift {

const std::vector<MethodInfo>& all_methods() {
  static const std::vector<MethodInfo> methods = {
      {Method::RevealCancel, "revealcancel",
       "DeepLIFT RevealCancel on every nonlinearity after conv/dense (paper §3.5.3)"},
      {Method::Rescale, "rescale", "DeepLIFT Rescale on every nonlinearity (paper §3.5.2)"},
      {Method::GenomicsDefault, "genomics-default",
       "DeepLIFT: Rescale after conv layers, RevealCancel after dense layers"},
      {Method::GradInput, "grad-input", "gradient at the input x (input - reference)"},
      {Method::IntegratedGradients, "integrated-gradients",
       "mean gradient on the straight path from the reference to the input (--ig-steps points) x (input - reference)"},
      {Method::GuidedBackprop, "guided-backprop",
       "guided backpropagation (only positive gradients pass nonlinearities) x (input - reference)"},
      {Method::Ism, "ism", "in-silico mutagenesis: every single-base substitution"},
  };
  return methods;
}

Method parse_method(const std::string& name) {
  std::string known;
  for (const auto& info : all_methods()) {
    if (info.name == name) return info.method;
    known += (known.empty() ? "" : ", ") + info.name;
  }
  throw UsageError("unknown method '" + name + "' (choose one of: " + known + ")");
}

const std::string& method_name(Method method) {
  for (const auto& info : all_methods())
    if (info.method == method) return info.name;
  throw Error("unnamed method");
}

NonlinearRule rule_for(Method method, const Layer* previous) {
  if (method == Method::GradInput || method == Method::IntegratedGradients) return NonlinearRule::Gradient;
  if (method == Method::GuidedBackprop) return NonlinearRule::GuidedGradient;
  const bool after_weights = previous && previous->has_weights();
  if (!after_weights) return NonlinearRule::Rescale;
  switch (method) {
    case Method::RevealCancel: return NonlinearRule::RevealCancel;
    case Method::GenomicsDefault:
      return previous->type() == "dense" ? NonlinearRule::RevealCancel : NonlinearRule::Rescale;
    default: return NonlinearRule::Rescale;
  }
}

bool uses_reference(Method method) { return method != Method::Ism; }

}  // namespace deeplift
