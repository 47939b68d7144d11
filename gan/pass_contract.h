#ifndef GAN_PASS_CONTRACT_H_
#define GAN_PASS_CONTRACT_H_

// For the layers' passes (gan/layers.cc, gan/conv_layers.cc): a pass used
// against its contract is a bug in the calling code, not an input a user can
// fix, so it stops the program with its reason.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"

namespace gan {

[[noreturn]] inline void PassCallerBug(const char* pass, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", pass, what.c_str());
  std::abort();
}

// The backward primitives a pass made for `first_row` (LayerBuffers::tail_first_rows).
template <typename Map>
typename Map::mapped_type& MadeForRow(const char* pass, Map& by_first_row, int64_t first_row) {
  auto it = by_first_row.find(first_row);
  if (it == by_first_row.end()) {
    PassCallerBug(pass, absl::StrCat("backward from row ", first_row,
                                     ", which the pass was not made for (LayerBuffers::tail_first_rows)"));
  }
  return it->second;
}

}  // namespace gan

#endif  // GAN_PASS_CONTRACT_H_
