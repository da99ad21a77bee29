/* Declarations only: the driver itself comes from libFuzzer. */
#include "fuzzer_driver.h"
