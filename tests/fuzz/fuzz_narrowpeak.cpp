// libFuzzer target: narrowPeak summit windows of an indexed genome.
// Built by -DDEEPLIFT_FUZZ=ON; run by scripts/fuzz. The body is shared with
// the regression replay in the normal test suite (fuzz_targets.hpp).
#include "fuzz_targets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  deeplift::fuzz::narrowpeak(data, size);
  return 0;
}
