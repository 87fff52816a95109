/*
 * rmm_fixed.h - integer helpers of the RmmEdge step kernel, the C twin of
 * shared-model/Kernel/FixedPoint.cs and ActivationTable.cs (same functions, same order of
 * operations; see shared-model/Format/rmmq-format.md, "Arithmetic").
 *
 * One rounding rule everywhere: rmm_round_shift(x, s) = (x + 2^(s-1)) >> s with an arithmetic right
 * shift (round half towards +infinity); s = 0 returns x. Requires a compiler whose >> on negative
 * signed integers is arithmetic (gcc, clang, armcc, xtensa-gcc all are). The loader bounds every
 * operand so that no int64 expression overflows.
 *
 * Version 1, 2026-11-21.
 */
#ifndef RMM_FIXED_H
#define RMM_FIXED_H

#include <stdint.h>

#define RMM_VOLTAGE_BITS 16
#define RMM_CURRENT_BITS 16
#define RMM_UNIT_BITS 15
#define RMM_COEFFICIENT_BITS 30
#define RMM_ACTIVITY_BITS 30   /* spike activity and the states of banks it drives: Q1.30 */
#define RMM_GAIN_BITS 24
#define RMM_UNIT_MAX 32767
#define RMM_MULTIPLIER_MIN 16384
#define RMM_MULTIPLIER_MAX 32767
#define RMM_SHIFT_MAX 62
#define RMM_GAIN_MAX (1 << 28)
#define RMM_BIAS_MAX (((int64_t)1) << 44)

#define RMM_TABLE_SEGMENTS 512
#define RMM_TABLE_ENTRIES (RMM_TABLE_SEGMENTS + 1)
#define RMM_TABLE_SEGMENT_SHIFT 6
#define RMM_TABLE_INPUT_MIN (-16384)
#define RMM_TABLE_INPUT_MAX 16383

static inline int64_t rmm_round_shift(int64_t x, int shift)
{
    if (shift <= 0) {
        return x;
    }
    return (x + (((int64_t)1) << (shift - 1))) >> shift;
}

static inline int32_t rmm_sat32(int64_t x)
{
    /* x fits in 32 bits exactly when its high word is the sign extension of its low word: one
       comparison of two words rather than two 64-bit comparisons. */
    int32_t high = (int32_t)(x >> 32), low = (int32_t)x;
    if (high == (low >> 31)) {
        return low;
    }
    return high < 0 ? INT32_MIN : INT32_MAX;
}

static inline int32_t rmm_sat_unit(int64_t x)
{
    if (x > RMM_UNIT_MAX) {
        return RMM_UNIT_MAX;
    }
    if (x < -RMM_UNIT_MAX) {
        return -RMM_UNIT_MAX;
    }
    return (int32_t)x;
}

/*
 * round_shift(x, 32) of a 64-bit value whose high word cannot be INT32_MAX: the high word plus the
 * carry out of adding 2^31 to the low word. Two 32-bit instructions instead of a 64-bit shift.
 */
static inline int32_t rmm_round_high_word(int64_t x)
{
    return (int32_t)(x >> 32) + (int32_t)((uint32_t)x >> 31);
}

/*
 * rmm_sat32(rmm_round_shift(x * multiplier, shift)). Two shortcuts give the same value with 32-bit
 * operations on the common cases (Cortex-M has no 64-bit shifter; the generic line costs about
 * twenty instructions there):
 *  - x fits in 32 bits and 16 <= shift <= 32: scale the multiplier up by 2^(32-shift) (still below
 *    2^31) and take round_shift(., 32) of the 32x32 product; |product| < 2^62, so no saturation.
 *  - shift >= 33: floor((p + 2^(shift-1)) / 2^shift) = floor((floor(p / 2^32) / 2^(shift-33) + 1) / 2)
 *    because 2^(shift-1) is a multiple of 2^32; the result fits in 31 bits.
 */
/* The 32x32 -> 64 product. gcc falls back to a 64x64 product (four instructions) when it can tell
   that an operand came from a 64-bit value; on Arm the one instruction is spelt out. */
static inline int64_t rmm_mul32(int32_t a, int32_t b)
{
#if defined(__GNUC__) && defined(__ARM_ARCH_ISA_THUMB) && __ARM_ARCH >= 7
    int32_t low, high;
    __asm__("smull %0, %1, %2, %3" : "=r"(low), "=r"(high) : "r"(a), "r"(b));
    return (int64_t)(((uint64_t)(uint32_t)high << 32) | (uint32_t)low);
#else
    return (int64_t)a * b;
#endif
}

static inline int32_t rmm_requantize(int64_t x, int32_t multiplier, int shift)
{
    if (shift >= 33) {
        int32_t y = (int32_t)((x * multiplier) >> 32) >> (shift - 33);
        return (y >> 1) + (y & 1);
    }
    if (x >= INT32_MIN && x <= INT32_MAX) {
        if (shift >= 16) {
            return rmm_round_high_word(rmm_mul32((int32_t)x, multiplier << (32 - shift)));
        }
        return rmm_sat32(rmm_round_shift((int64_t)(int32_t)x * multiplier, shift));
    }
    return rmm_sat32(rmm_round_shift(x * multiplier, shift));
}

static inline int32_t rmm_mul_shift(int32_t a, int32_t b, int shift)
{
    return rmm_sat32(rmm_round_shift((int64_t)a * b, shift));
}

/* tanh(input / 2^11) in Q0.15 by linear interpolation in a 513-entry table. */
static inline int32_t rmm_tanh(const int16_t *table, int32_t input)
{
    int32_t offset, index, fraction, low, high;
#if defined(__ARM_FEATURE_SAT)
    input = __builtin_arm_ssat(input, 15);   /* [-16384, 16383]: the table's input range */
#else
    if (input < RMM_TABLE_INPUT_MIN) {
        input = RMM_TABLE_INPUT_MIN;
    } else if (input > RMM_TABLE_INPUT_MAX) {
        input = RMM_TABLE_INPUT_MAX;
    }
#endif
    offset = input - RMM_TABLE_INPUT_MIN;
    index = offset >> RMM_TABLE_SEGMENT_SHIFT;
    fraction = offset & ((1 << RMM_TABLE_SEGMENT_SHIFT) - 1);
    low = table[index];
    high = table[index + 1];
    /* |high − low| < 2^16 and fraction < 2^6: the product and its rounding fit in 32 bits, with the
       same value as the int64 RoundShift of the C# reference. */
    return low + (((high - low) * fraction + (1 << (RMM_TABLE_SEGMENT_SHIFT - 1))) >> RMM_TABLE_SEGMENT_SHIFT);
}

/* sigma(x) = (1 + tanh(x/2)) / 2, from a table input that already holds x/2: Q0.15 in [0, 32767]. */
static inline int32_t rmm_sigmoid_of_half(const int16_t *table, int32_t half_input)
{
    return (rmm_tanh(table, half_input) + RMM_UNIT_MAX + 1) >> 1;
}

#endif /* RMM_FIXED_H */
