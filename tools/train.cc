// Trains a generative adversarial net (Algorithm 1 of Goodfellow et al., 2014).
// Until the trainer lands, it reports the oneDNN version and the CPU ISA that
// oneDNN will use, which is what every later speed figure depends on.
#include <cstdio>

#include "absl/flags/parse.h"
#include "oneapi/dnnl/dnnl.hpp"

namespace {

const char* IsaName(dnnl::cpu_isa isa) {
  switch (isa) {
    case dnnl::cpu_isa::sse41: return "SSE4.1";
    case dnnl::cpu_isa::avx: return "AVX";
    case dnnl::cpu_isa::avx2: return "AVX2";
    case dnnl::cpu_isa::avx512_core: return "AVX-512";
    case dnnl::cpu_isa::avx512_core_vnni: return "AVX-512 VNNI";
    case dnnl::cpu_isa::avx512_core_bf16: return "AVX-512 BF16";
    case dnnl::cpu_isa::avx512_core_amx: return "AVX-512 AMX";
    default: return "other";
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const dnnl_version_t* version = dnnl_version();
  std::printf("gan train: oneDNN %d.%d.%d, CPU ISA %s\n", version->major, version->minor, version->patch,
              IsaName(dnnl::get_effective_cpu_isa()));
  std::printf("The trainer is not built yet.\n");
  return 0;
}
