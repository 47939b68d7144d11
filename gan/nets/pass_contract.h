#ifndef GAN_NETS_PASS_CONTRACT_H_
#define GAN_NETS_PASS_CONTRACT_H_

// For the layers' passes (gan/nets/layers.cc, gan/nets/conv_layers.cc): a pass used
// against its contract is a bug in the calling code, not an input a user can
// fix, so it stops the program with its reason.

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace gan {

[[noreturn]] inline void PassCallerBug(const char* pass, const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", pass, what.c_str());
  std::abort();
}

// The rows a pass's backward may start at: 0 and each of `tail_first_rows`
// (LayerBuffers), each inside a batch of `batch` rows; none for a
// forward-only pass (`backward` false).
inline std::vector<int64_t> BackwardFirstRows(const char* pass, int64_t batch, const std::vector<int64_t>& tail_first_rows,
                                              bool backward = true) {
  if (!backward) return {};
  std::vector<int64_t> rows = {0};
  for (int64_t row : tail_first_rows) {
    if (row < 0 || row >= batch) PassCallerBug(pass, absl::StrCat("backward from row ", row, " of a pass of ", batch, " rows"));
    rows.push_back(row);
  }
  return rows;
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

#endif  // GAN_NETS_PASS_CONTRACT_H_
