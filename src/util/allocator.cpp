#include "deeplift/util/allocator.hpp"

#include <malloc.h>

#include <mutex>

namespace deeplift {

void keep_large_allocations_in_heap() {
  static std::once_flag once;
  std::call_once(once, [] {
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
  });
}

}  // namespace deeplift
