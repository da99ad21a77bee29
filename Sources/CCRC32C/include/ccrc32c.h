#ifndef CCRC32C_H
#define CCRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of Kafka's
 * RecordBatch v2 (bytes 21..end of a batch).
 *
 * All functions take and return the finished CRC value (not the inverted register),
 * so a checksum is ccrc32c_extend(0, data, length) and a checksum over two pieces is
 * ccrc32c_extend(ccrc32c_extend(0, a, la), b, lb).
 */

/* Uses the fastest implementation the CPU supports (chosen once, at first use). */
uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length);

/* The table-driven slice-by-8 implementation: any CPU, any byte order. */
uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length);

/* Name of the implementation ccrc32c_extend uses: "sse4.2", "armv8-crc" or "portable". */
const char *ccrc32c_implementation(void);

#endif
