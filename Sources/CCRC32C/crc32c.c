/*
 * CRC-32C for Kafka record batches: a hardware path (SSE4.2 on x86_64, the ARMv8
 * CRC extension on arm64) and a portable slice-by-8 fallback.
 *
 * The hardware paths run three independent CRC streams over three adjacent blocks:
 * the crc32 instruction has a latency of about three cycles but a throughput of one
 * per cycle, so a single dependent chain leaves two thirds of the unit idle. The three
 * partial CRCs are then joined with a precomputed "shift by N zero bytes" operator
 * (the GF(2) matrix technique of zlib's crc32_combine), which is exact because a CRC
 * register is linear: reg(A || B) = shift_len(B)(reg(A)) xor reg_from_zero(B).
 */

#include "ccrc32c.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__)
#include <nmmintrin.h>
#elif defined(__aarch64__)
#include <arm_acle.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_CRC32
#define HWCAP_CRC32 (1 << 7)
#endif
#endif
#endif

#define POLY 0x82F63B78u

/* Block sizes of the three-stream loops; powers of two (see make_shift_table). */
#define LONG_BLOCK 8192
#define SHORT_BLOCK 256

static uint32_t slice_table[8][256];
static uint32_t shift_long[4][256];
static uint32_t shift_short[4][256];

typedef uint32_t (*crc_function)(uint32_t, const void *, size_t);
static crc_function chosen_function;
static const char *chosen_name;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* ---- GF(2) matrices for joining partial CRCs -------------------------------------- */

static uint32_t matrix_times(const uint32_t *matrix, uint32_t vector) {
    uint32_t sum = 0;
    while (vector) {
        if (vector & 1) sum ^= *matrix;
        vector >>= 1;
        matrix++;
    }
    return sum;
}

static void matrix_square(uint32_t *square, const uint32_t *matrix) {
    for (int n = 0; n < 32; n++) square[n] = matrix_times(matrix, matrix[n]);
}

/*
 * Builds the operator that advances a CRC register over `length` zero bytes, as four
 * byte-indexed tables. Only exact for a power-of-two length: the loop squares the
 * one-byte operator log2(length) times and never multiplies in odd factors.
 */
static void make_shift_table(uint32_t table[4][256], size_t length) {
    uint32_t even[32], odd[32];
    odd[0] = POLY; /* operator for one zero bit */
    uint32_t row = 1;
    for (int n = 1; n < 32; n++) {
        odd[n] = row;
        row <<= 1;
    }
    matrix_square(even, odd); /* two zero bits */
    matrix_square(odd, even); /* four zero bits */
    uint32_t *result = odd;
    /* Each square doubles the span: 1 byte, 2 bytes, ... until it reaches length. */
    for (;;) {
        matrix_square(even, odd);
        result = even;
        length >>= 1;
        if (length == 0) break;
        matrix_square(odd, even);
        result = odd;
        length >>= 1;
        if (length == 0) break;
    }
    for (uint32_t n = 0; n < 256; n++) {
        table[0][n] = matrix_times(result, n);
        table[1][n] = matrix_times(result, n << 8);
        table[2][n] = matrix_times(result, n << 16);
        table[3][n] = matrix_times(result, n << 24);
    }
}

static inline uint32_t shift(uint32_t table[4][256], uint32_t crc) {
    return table[0][crc & 0xFF] ^ table[1][(crc >> 8) & 0xFF] ^ table[2][(crc >> 16) & 0xFF] ^
           table[3][crc >> 24];
}

static inline uint64_t load_le64(const unsigned char *p) {
    uint64_t value;
    memcpy(&value, p, sizeof value);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    value = __builtin_bswap64(value);
#endif
    return value;
}

/* ---- portable slice-by-8 ----------------------------------------------------------- */

static void make_slice_table(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = n;
        for (int k = 0; k < 8; k++) crc = (crc >> 1) ^ (POLY & (0u - (crc & 1u)));
        slice_table[0][n] = crc;
    }
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t crc = slice_table[0][n];
        for (int k = 1; k < 8; k++) {
            crc = slice_table[0][crc & 0xFF] ^ (crc >> 8);
            slice_table[k][n] = crc;
        }
    }
}

static uint32_t extend_portable(uint32_t crc, const void *data, size_t length) {
    const unsigned char *next = data;
    uint64_t reg = ~crc & 0xFFFFFFFFu;
    while (length && ((uintptr_t)next & 7) != 0) {
        reg = slice_table[0][(reg ^ *next++) & 0xFF] ^ (reg >> 8);
        length--;
    }
    while (length >= 8) {
        uint64_t word = load_le64(next) ^ reg;
        reg = slice_table[7][word & 0xFF] ^ slice_table[6][(word >> 8) & 0xFF] ^
              slice_table[5][(word >> 16) & 0xFF] ^ slice_table[4][(word >> 24) & 0xFF] ^
              slice_table[3][(word >> 32) & 0xFF] ^ slice_table[2][(word >> 40) & 0xFF] ^
              slice_table[1][(word >> 48) & 0xFF] ^ slice_table[0][word >> 56];
        next += 8;
        length -= 8;
    }
    while (length) {
        reg = slice_table[0][(reg ^ *next++) & 0xFF] ^ (reg >> 8);
        length--;
    }
    return ~(uint32_t)reg;
}

/* ---- x86_64 SSE4.2 ----------------------------------------------------------------- */

#if defined(__x86_64__)
#define HAVE_HARDWARE_PATH 1
#define HARDWARE_NAME "sse4.2"
#define HW_TARGET __attribute__((target("sse4.2")))
#define HW_CRC8(crc, byte) _mm_crc32_u8((uint32_t)(crc), (byte))
#define HW_CRC64(crc, word) _mm_crc32_u64((crc), (word))

static int hardware_available(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("sse4.2");
}

/* ---- arm64 CRC extension ----------------------------------------------------------- */

#elif defined(__aarch64__)
#define HAVE_HARDWARE_PATH 1
#define HARDWARE_NAME "armv8-crc"
#if defined(__clang__)
#define HW_TARGET __attribute__((target("crc")))
#else
#define HW_TARGET __attribute__((target("+crc")))
#endif
#define HW_CRC8(crc, byte) __crc32cb((uint32_t)(crc), (byte))
#define HW_CRC64(crc, word) __crc32cd((uint32_t)(crc), (word))

static int hardware_available(void) {
#if defined(__linux__)
    return (getauxval(AT_HWCAP) & HWCAP_CRC32) != 0;
#elif defined(__APPLE__)
    return 1; /* every Apple arm64 CPU has the CRC extension */
#else
    return 0;
#endif
}
#endif

#if defined(HAVE_HARDWARE_PATH)
/* Three streams over `block`-byte thirds of the next 3 * block bytes; see the top comment. */
#define THREE_STREAMS(block, table)                                                      \
    while (length >= 3 * (block)) {                                                      \
        uint64_t crc1 = 0, crc2 = 0;                                                     \
        const unsigned char *end = next + (block);                                       \
        do {                                                                             \
            crc0 = HW_CRC64(crc0, load_le64(next));                                      \
            crc1 = HW_CRC64(crc1, load_le64(next + (block)));                            \
            crc2 = HW_CRC64(crc2, load_le64(next + 2 * (block)));                        \
            next += 8;                                                                   \
        } while (next < end);                                                            \
        crc0 = shift(table, (uint32_t)crc0) ^ (uint32_t)crc1;                            \
        crc0 = shift(table, (uint32_t)crc0) ^ (uint32_t)crc2;                            \
        next += 2 * (block);                                                             \
        length -= 3 * (block);                                                           \
    }

HW_TARGET
static uint32_t extend_hardware(uint32_t crc, const void *data, size_t length) {
    const unsigned char *next = data;
    uint64_t crc0 = ~crc & 0xFFFFFFFFu;
    /* Align to 8 bytes so the word loads below never straddle a cache line needlessly. */
    while (length && ((uintptr_t)next & 7) != 0) {
        crc0 = HW_CRC8(crc0, *next++);
        length--;
    }
    THREE_STREAMS(LONG_BLOCK, shift_long)
    THREE_STREAMS(SHORT_BLOCK, shift_short)
    while (length >= 8) {
        crc0 = HW_CRC64(crc0, load_le64(next));
        next += 8;
        length -= 8;
    }
    while (length) {
        crc0 = HW_CRC8(crc0, *next++);
        length--;
    }
    return ~(uint32_t)crc0;
}
#endif

/* ---- dispatch ---------------------------------------------------------------------- */

static void initialize(void) {
    make_slice_table();
    make_shift_table(shift_long, LONG_BLOCK);
    make_shift_table(shift_short, SHORT_BLOCK);
    chosen_function = extend_portable;
    chosen_name = "portable";
#if defined(HAVE_HARDWARE_PATH)
    if (hardware_available()) {
        chosen_function = extend_hardware;
        chosen_name = HARDWARE_NAME;
    }
#endif
}

uint32_t ccrc32c_extend(uint32_t crc, const void *data, size_t length) {
    pthread_once(&init_once, initialize);
    return chosen_function(crc, data, length);
}

uint32_t ccrc32c_extend_portable(uint32_t crc, const void *data, size_t length) {
    pthread_once(&init_once, initialize);
    return extend_portable(crc, data, length);
}

const char *ccrc32c_implementation(void) {
    pthread_once(&init_once, initialize);
    return chosen_name;
}
