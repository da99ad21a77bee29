#ifndef CCRC32C_H
#define CCRC32C_H
#include <stddef.h>
#include <stdint.h>
/* Placeholder; the CRC-32C implementation lands with the record batch work. */
uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length);
#endif
