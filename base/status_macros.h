#ifndef BASE_STATUS_MACROS_H_
#define BASE_STATUS_MACROS_H_

// Status propagation at the edges a user's input reaches:
//   GAN_RETURN_IF_ERROR(WriteFileAtomically(path, text));
// returns the absl::Status of its argument from the enclosing function when it
// is not OK, and goes on otherwise.

#include "absl/status/status.h"

#define GAN_RETURN_IF_ERROR(expr)                                  \
  do {                                                             \
    if (absl::Status gan_status_ = (expr); !gan_status_.ok()) {    \
      return gan_status_;                                          \
    }                                                              \
  } while (false)

#endif  // BASE_STATUS_MACROS_H_
