// glibc malloc settings for the densecorr process, applied once at start-up by main().
//
// Training and data generation allocate and free the same large blocks over and over (a sample's
// image and label tensors, activations): 0.1–10 MB each, every step. With glibc's defaults such
// a block is either mmap'ed and unmapped every time, or freed to the top of the heap and trimmed
// back to the kernel once the free space there passes the (dynamic) trim threshold; either way
// the next allocation takes fresh pages, and the kernel's page faults and zero-filling cost more
// than the work on the block (measured on `densecorr bench synth`, docs/PERFORMANCE.md).
// Keeping blocks below 32 MB on the heap and freed memory until 256 MB accumulate at its top lets
// a steady stream reuse its pages. Memory returned to the kernel later, not less memory used.
// The environment wins: when GLIBC_TUNABLES names a malloc setting, nothing is changed.
#pragma once

namespace dc {

// Applies the settings above (idempotent; a no-op outside glibc). Returns whether it changed them.
bool tune_malloc_for_steady_streams();

}  // namespace dc
