// One shopper event as the engine sees it: the item's row in the model (-1 when the model does not
// know the storefront id), the index of the event type, and the time in seconds.
#pragma once

#include <cstdint>

namespace tandem {

struct Event {
  std::int32_t item = -1;
  std::int32_t type = 0;
  double time = 0;
};

}  // namespace tandem
