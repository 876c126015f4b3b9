// Process-wide allocator tuning for the scoring and training loops.
#pragma once

namespace deeplift {

// Batch workspaces are megabytes each; glibc serves such blocks with mmap
// and returns them at free, so every batch paid page faults to zero fresh
// pages. Raising the mmap and trim thresholds keeps them in the heap for
// reuse. Called once (idempotent) by the scorers.
void keep_large_allocations_in_heap();

}  // namespace deeplift
