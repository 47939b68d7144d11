// libFuzzer target: MAT files through libmatio and the TFD and Olivetti
// loaders. libmatio reads from a path, so each input is written to a file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "data/faces.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = std::string(getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp") + "/mat_fuzzer." +
                                  std::to_string(getpid()) + ".mat";
  FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return 0;
  std::fwrite(data, 1, size, file);
  std::fclose(file);
  (void)gan::data::LoadTfdFile(path, 0);
  (void)gan::data::LoadOlivettiFile(path);
  return 0;
}
