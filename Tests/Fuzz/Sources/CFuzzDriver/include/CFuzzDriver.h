#ifndef SCRIBE_FUZZ_DRIVER_H
#define SCRIBE_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry for programs that have their own main: parses libFuzzer's flags from
/// argv and calls `callback` with each input (returns libFuzzer's exit code).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
