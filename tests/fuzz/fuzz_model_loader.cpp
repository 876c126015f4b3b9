// libFuzzer target: model files (safetensors header, architecture JSON, tensors).
// Built by -DDEEPLIFT_FUZZ=ON; run by scripts/fuzz. The body is shared with
// the regression replay in the normal test suite (fuzz_targets.hpp).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  deeplift::fuzz::model_loader(data, size);
  return 0;
}
