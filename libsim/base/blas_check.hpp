// Which BLAS this process really uses.
//
// LibTorch (and our exact search) call whatever libblas.so.3 Debian's alternatives point at. The
// reference BLAS made a small CNN training step 6x slower than OpenBLAS on our machines (see
// docs/benchmarks.md), so a program that does heavy math checks at start-up and warns loudly.
#pragma once

#include <string>

namespace sim {

struct BlasInfo {
  bool loaded = false;    // some libblas.so* is mapped into this process
  bool openblas = false;  // it is OpenBLAS (exports openblas_get_config)
  std::string path;       // the real file behind libblas.so.3, symlinks resolved
  std::string config;     // OpenBLAS's own description, e.g. "OpenBLAS 0.3.21 ... USE_OPENMP"
};

BlasInfo detect_blas();

// Logs a loud warning (with the command that fixes it) when the loaded BLAS is not OpenBLAS;
// logs the BLAS in use at debug level otherwise. Returns what it found.
BlasInfo check_blas();

}  // namespace sim
