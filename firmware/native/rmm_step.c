/*
 * rmm_step.c - one fixed step of an .rmmq model: the twin of shared-model/Kernel/StepKernel.cs,
 * step for step, so both give bit-identical results. Where a 32-bit core has a cheaper way to the
 * same integer (the requantization and normalization shortcuts in rmm_fixed.h, SMLALD/SXTB16 dot
 * products behind __ARM_FEATURE_DSP) the comment says why the value is unchanged, and the tests
 * check it: the C# twin on the host, the golden vectors on emulated Cortex-M4/M7.
 * Version 2, 2026-12-04: no C library header (freestanding).
 */
#include "rmm_model.h"
#include "rmm_layout.h"
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
/* DSP instructions that this compiler's arm_acle.h lacks and that gcc does not pick by itself. */
static inline uint32_t pack_bottoms(uint32_t low, uint32_t high)   /* (low.lo, high.lo) */
{
    uint32_t r;
    __asm__("pkhbt %0, %1, %2, lsl #16" : "=r"(r) : "r"(low), "r"(high));
    return r;
}
static inline uint32_t pack_tops(uint32_t low, uint32_t high)      /* (low.hi, high.hi) */
{
    uint32_t r;
    __asm__("pkhtb %0, %1, %2, asr #16" : "=r"(r) : "r"(high), "r"(low));
    return r;
}
static inline uint32_t sign_extend_odd_bytes(uint32_t x)           /* (int16)x.b1, (int16)x.b3 */
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
#endif

/* Loads from the file buffer. The kernel is freestanding: it includes no C library header (the
 * Cortex-M build compiles it with -nostdinc). With gcc/clang the builtin memcpy keeps the C aliasing
 * rules and compiles to a single load: every field read here is at its natural alignment, since
 * rmm_load refuses a buffer that is not 4-byte aligned and guarantees 4-byte aligned sections, and the
 * entries are 4-byte fields at multiples of 4 (norms 8, params 12, banks 8 bytes) or int16 weights. The
 * alignment is stated to the compiler, so that a core without unaligned loads (RISC-V rv32, the
 * ESP32-C3) also reads a field with one instruction instead of byte by byte. The DSP paths below use it
 * too, and exist only for gcc/clang; elsewhere the bytes are assembled little-endian, the same value on
 * the little-endian targets we run (ESP32, ESP32-C3, Cortex-M, x86). */
#if defined(__GNUC__)
#define RMM_LOAD(dst, src, n) __builtin_memcpy((dst), (src), (n))
static inline int32_t rd32(const uint8_t *b) { int32_t v; RMM_LOAD(&v, __builtin_assume_aligned(b, 4), 4); return v; }
static inline int32_t rd16u(const uint8_t *b) { uint16_t v; RMM_LOAD(&v, __builtin_assume_aligned(b, 2), 2); return v; }
static inline int32_t rd16s(const uint8_t *b) { int16_t v; RMM_LOAD(&v, __builtin_assume_aligned(b, 2), 2); return v; }
#else
static inline int32_t rd32(const uint8_t *b) { return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24); }
static inline int32_t rd16u(const uint8_t *b) { return (int32_t)((uint32_t)b[0] | (uint32_t)b[1] << 8); }
static inline int32_t rd16s(const uint8_t *b) { return (int32_t)(int16_t)(uint16_t)((uint32_t)b[0] | (uint32_t)b[1] << 8); }
#endif

/* x - y when it fits in 32 bits (returns 1), else 0. gcc/clang give the flag from the subtraction
   itself, which keeps the centred value a 32-bit quantity (SMULL below, not a 64x64 product). */
static inline int sub_fits32(int32_t x, int32_t y, int32_t *difference)
{
#if defined(__GNUC__)
    return !__builtin_sub_overflow(x, y, difference);
#else
    int64_t d = (int64_t)x - y;
    *difference = (int32_t)d;
    return d >= INT32_MIN && d <= INT32_MAX;
#endif
}

static inline int32_t normalize(const rmm_model *m, int32_t entry, int32_t x)
{
    const uint8_t *p = m->norms + entry * RMMQ_NORM_ENTRY_SIZE;
    int32_t center = rd32(p + RMMQ_NORM_CENTER), multiplier = rd16u(p + RMMQ_NORM_MULTIPLIER), shift = p[RMMQ_NORM_SHIFT], centred;
    /* Same value on every line. With 16 <= shift <= 32 the rounding shift becomes
       round_shift(., 32) of the product with the multiplier scaled by 2^(32 - shift), as in
       rmm_requantize. */
    if (sub_fits32(x, center, &centred)) {
        if (shift >= 16 && shift <= 32) {
            return rmm_sat_unit(rmm_round_high_word(rmm_mul32(centred, multiplier << (32 - shift))));
        }
        return rmm_sat_unit(rmm_round_shift((int64_t)centred * multiplier, shift));
    }
    return rmm_sat_unit(rmm_round_shift(((int64_t)x - center) * multiplier, shift));
}

/*
 * Σ_k w[k]·z[k] added to acc, for int16 weights: the exact sum is the definition (StepKernel sums in
 * 64 bits). On cores with the DSP extension (Cortex-M4/M7) SMLALD adds two 16x16 products per
 * instruction into the 64-bit accumulator; elsewhere pairs of products are summed in 32 bits first.
 * Integer addition is associative, so every path gives the same sum (CM3/CM4): the golden vectors are
 * checked on the emulated Cortex-M and RISC-V cores as well as on the host.
 */
static inline int64_t mac_s16(const uint8_t *w, const int16_t *z, int n, int64_t acc)
{
#if defined(__ARM_FEATURE_DSP)
    /* Pointer walk, four products per pass, then a pair and a single: rows are rarely a multiple
       of four (the LP-sized model has 37 and 10 columns) and the tail cost per row adds up. */
    const int16_t *end4 = z + (n & ~3);
    int32_t w01, w23, z01, z23;
    while (z < end4) {
        RMM_LOAD(&w01, w, 4);
        RMM_LOAD(&w23, w + 4, 4);
        RMM_LOAD(&z01, z, 4);
        RMM_LOAD(&z23, z + 2, 4);
        acc = __smlald(w01, z01, acc);
        acc = __smlald(w23, z23, acc);
        w += 8;
        z += 4;
    }
    if (n & 2) {
        RMM_LOAD(&w01, w, 4);
        RMM_LOAD(&z01, z, 4);
        acc = __smlald(w01, z01, acc);
        w += 4;
        z += 2;
    }
    if (n & 1) {
        acc += (int64_t)rd16s(w) * z[0];
    }
#else
    /* Two products of a weight (the loader admits −32767…32767) and an int16 value sum to less than
       2^31 in magnitude, so each pair is added in 32 bits and then into the 64-bit accumulator: the same
       sum with half the 64-bit additions (a 32-bit core without DSP, such as the ESP32-C3's, has no
       64-bit add). */
    int k;
    for (k = 0; k + 1 < n; k += 2) {
        acc += rd16s(w + 2 * k) * (int32_t)z[k] + rd16s(w + 2 * k + 2) * (int32_t)z[k + 1];
    }
    if (k < n) {
        acc += rd16s(w + 2 * k) * (int32_t)z[k];
    }
#endif
    return acc;
}

/*
 * The same for int8 weights. On DSP cores SXTB16 widens four packed weights into two pairs
 * (w0,w2) and (w1,w3); the activations are re-paired to match (PKHBT/PKHTB) and SMLALD adds the
 * products as above. The plain loop sums in 64 bits as well.
 */
static inline int64_t mac_s8(const int8_t *w, const int16_t *z, int n, int64_t acc)
{
#if defined(__ARM_FEATURE_DSP)
    const int16_t *end4 = z + (n & ~3);
    while (z < end4) {
        uint32_t w0123, z01, z23;
        RMM_LOAD(&w0123, w, 4);
        RMM_LOAD(&z01, z, 4);
        RMM_LOAD(&z23, z + 2, 4);
        acc = __smlald((int32_t)__sxtb16(w0123), (int32_t)pack_bottoms(z01, z23), acc);
        acc = __smlald((int32_t)sign_extend_odd_bytes(w0123), (int32_t)pack_tops(z01, z23), acc);
        w += 4;
        z += 4;
    }
    if (n & 2) {
        acc += (int32_t)w[0] * z[0] + (int32_t)w[1] * z[1];
        w += 2;
        z += 2;
    }
    if (n & 1) {
        acc += (int32_t)w[0] * z[0];
    }
#else
    /* Four int8 × int16 products stay below 2^24 in magnitude: added in 32 bits, then into the accumulator. */
    int k;
    for (k = 0; k + 3 < n; k += 4) {
        acc += (int32_t)w[k] * z[k] + (int32_t)w[k + 1] * z[k + 1] + (int32_t)w[k + 2] * z[k + 2] + (int32_t)w[k + 3] * z[k + 3];
    }
    for (; k < n; k++) {
        acc += (int32_t)w[k] * z[k];
    }
#endif
    return acc;
}

static int32_t run_mlp(const rmm_model *m, rmm_state *s, int first, int count)
{
    const int16_t *input = s->z;
    int16_t *output = s->buf_a;
    int l, j;
    for (l = first; l < first + count; l++) {
        int in_size = m->layer_in[l], out_size = m->layer_out[l], act = m->layer_act[l];
        int32_t w = m->layer_weight[l], pidx = m->layer_param[l];
        for (j = 0; j < out_size; j++) {
            const uint8_t *p = m->params + (pidx + j) * RMMQ_PARAM_ENTRY_SIZE;
            int64_t acc = (int64_t)(uint32_t)rd32(p + RMMQ_PARAM_BIAS) | ((int64_t)rd32(p + RMMQ_PARAM_BIAS + 4) * 4294967296LL);
            int32_t row = w + j * in_size, q;
            if (m->weight_bits == 8) {
                acc = mac_s8((const int8_t *)m->weights + row, input, in_size, acc);
            } else {
                acc = mac_s16(m->weights + 2 * row, input, in_size, acc);
            }
            q = rmm_requantize(acc, rd16u(p + RMMQ_PARAM_MULTIPLIER), p[RMMQ_PARAM_SHIFT]);
            if (act == 0) {
                return q;   /* the last layer (the loader guarantees it has one output) */
            }
            output[j] = (int16_t)(act == 1 ? rmm_tanh(m->table, q) : rmm_sigmoid_of_half(m->table, q));
        }
        input = output;
        output = output == s->buf_a ? s->buf_b : s->buf_a;
    }
    return input[0];
}

static int32_t evaluate_current(const rmm_model *m, rmm_state *s, int c)
{
    int inputs = 0, k;
    int32_t norm = m->norm_index[c], first = m->bank_index[c], a, b, ab, gab, drive;
    if (m->uses_v[c]) {
        s->z[0] = (int16_t)normalize(m, norm, s->v[m->owner[c]]);
        inputs = 1;
    }
    for (k = 0; k < m->bank_size[c]; k++) {
        s->z[inputs] = (int16_t)normalize(m, norm + inputs, s->states[first + k]);
        inputs++;
    }
    a = run_mlp(m, s, m->first_a[c], m->layers_a[c]);
    if (m->kind[c] == 0) {
        return a;
    }
    b = m->layers_b[c] > 0 ? run_mlp(m, s, m->first_b[c], m->layers_b[c]) : (1 << RMM_CURRENT_BITS);
    ab = rmm_mul_shift(a, b, 16);
    gab = rmm_mul_shift(ab, m->conductance[c], 16);
    drive = rmm_sat32((int64_t)s->v[m->owner[c]] - m->reversal[c]);
    return rmm_mul_shift(gab, drive, 16);
}

/* What drives bank c for a source voltage v: v itself, or its spike activity in Q1.30 (StepKernel.BankDrive). */
static int32_t bank_drive(const rmm_model *m, int c, int32_t v)
{
    int32_t half;
    if (m->bank_input[c] == 0) {
        return v;
    }
    half = rmm_sat32(rmm_round_shift(((int64_t)v - m->activity_center[c]) * m->activity_mult[c], m->activity_shift[c]));
    return rmm_sigmoid_of_half(m->table, half) << (RMM_ACTIVITY_BITS - RMM_UNIT_BITS);
}

static void advance_bank(const rmm_model *m, rmm_state *s, int c, int32_t u)
{
    int32_t first = m->bank_index[c], end = first + m->bank_size[c], k;
    if (m->bank_kind[c] == 0) {
        for (k = first; k < end; k++) {
            int64_t delta = ((int64_t)u - s->states[k]) * rd32(m->banks + k * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_GAIN);
            s->states[k] = rmm_sat32(s->states[k] + rmm_round_shift(delta, RMM_COEFFICIENT_BITS));
        }
        return;
    }
    {
        /* States and section inputs are int32; each product is 32x32 -> 64 (SMULL/SMLAL). */
        int32_t ui = u;
        for (k = first; k < end; k++) {
            int32_t old = s->states[k];
            int32_t lambda = rd32(m->banks + k * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_LAMBDA), gain = rd32(m->banks + k * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_GAIN);
            int64_t y = rmm_round_shift((int64_t)gain * old - (int64_t)lambda * ui, RMM_COEFFICIENT_BITS);
            s->states[k] = rmm_sat32(rmm_round_shift((int64_t)lambda * old + (int64_t)gain * ui, RMM_COEFFICIENT_BITS));
            ui = rmm_sat32(y);
        }
    }
}

rmm_status rmm_state_init(const rmm_model *m, int32_t *arena, uint32_t arena_bytes, const int32_t *v0, rmm_state *s)
{
    int i, c, k;
    if (arena_bytes < (uint32_t)m->arena_bytes) {
        return RMM_ARENA_TOO_SMALL;
    }
    s->v = arena;
    s->v_next = s->v + m->neuron_count;
    s->current_into = s->v_next + m->neuron_count;
    s->states = s->current_into + m->neuron_count;
    s->psi = s->states + m->state_count;
    s->z = (int16_t *)(s->psi + m->current_count);   /* within the arena: 4·3·max_width bytes reserved */
    s->buf_a = s->z + m->max_width;
    s->buf_b = s->buf_a + m->max_width;
    for (i = 0; i < m->neuron_count; i++) {
        s->v[i] = v0[i];
        s->current_into[i] = 0;
    }
    for (c = 0; c < m->current_count; c++) {
        int32_t u = bank_drive(m, c, s->v[m->source[c]]);
        for (k = m->bank_index[c]; k < m->bank_index[c] + m->bank_size[c]; k++) {
            if (m->bank_kind[c] == 0) {
                s->states[k] = u;
            } else {
                int64_t one = ((int64_t)1) << RMM_COEFFICIENT_BITS;
                s->states[k] = rmm_sat32((int64_t)u * rd32(m->banks + k * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_GAIN) / (one - rd32(m->banks + k * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_LAMBDA)));
            }
        }
    }
    return RMM_OK;
}

void rmm_step(const rmm_model *m, rmm_state *s, const int32_t *injected, const int32_t *measured)
{
    int i, c;
    for (i = 0; i < m->neuron_count; i++) {
        if (m->external[i]) {
            s->v[i] = measured[i];
        }
        s->current_into[i] = 0;
    }
    for (c = 0; c < m->current_count; c++) {
        int32_t psi = evaluate_current(m, s, c);
        s->psi[c] = psi;
        s->current_into[m->owner[c]] = rmm_sat32((int64_t)s->current_into[m->owner[c]] + psi);
    }
    for (i = 0; i < m->neuron_count; i++) {
        int32_t leak;
        int64_t total, next;
        if (m->external[i]) {
            s->v_next[i] = s->v[i];
            continue;
        }
        leak = rmm_mul_shift(m->leak_g[i], rmm_sat32((int64_t)s->v[i] - m->leak_e[i]), RMM_GAIN_BITS);
        total = (int64_t)injected[i] - leak - s->current_into[i];
        next = s->v[i] + rmm_round_shift(total * m->step_gain[i], RMM_GAIN_BITS);
        s->v_next[i] = next < m->v_min[i] ? m->v_min[i] : next > m->v_max[i] ? m->v_max[i] : (int32_t)next;
    }
    for (c = 0; c < m->current_count; c++) {
        advance_bank(m, s, c, bank_drive(m, c, s->v[m->source[c]]));
    }
    for (i = 0; i < m->neuron_count; i++) {
        s->v[i] = s->v_next[i];
    }
}
