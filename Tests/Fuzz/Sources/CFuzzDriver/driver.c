// The driver itself lives in libFuzzer's runtime (linked by -sanitize=fuzzer); SwiftPM
// needs one source file for a C target.
#include "CFuzzDriver.h"
