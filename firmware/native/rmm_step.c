/*
 * rmm_step.c - one fixed step of an .rmmq model: the twin of shared-model/Kernel/StepKernel.cs,
 * operation for operation, so both give bit-identical results. Plain C99 reference path (CM3: a
 * Cortex-M DSP path would sit here behind a feature macro and end in the same helpers).
 * Version 1, 2026-11-21.
 */
#include <string.h>
#include "rmm_model.h"
#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>
#endif

/* Loads from the file buffer. rmm_load guarantees 4-byte aligned sections; memcpy keeps the C
 * aliasing rules and compiles to a single load (the builtin, so that it also does in freestanding
 * builds). Little-endian targets only (ESP32, Cortex-M, x86). */
#if defined(__GNUC__)
#define RMM_LOAD(dst, src, n) __builtin_memcpy((dst), (src), (n))
#else
#define RMM_LOAD(dst, src, n) memcpy((dst), (src), (n))
#endif
static inline int32_t rd32(const uint8_t *b) { int32_t v; RMM_LOAD(&v, b, 4); return v; }
static inline int32_t rd16u(const uint8_t *b) { uint16_t v; RMM_LOAD(&v, b, 2); return v; }
static inline int32_t rd16s(const uint8_t *b) { int16_t v; RMM_LOAD(&v, b, 2); return v; }

static inline int32_t normalize(const rmm_model *m, int32_t entry, int32_t x)
{
    const uint8_t *p = m->norms + entry * 8;
    int32_t center = rd32(p), multiplier = rd16u(p + 4), shift = p[6];
    int64_t centred = (int64_t)x - center;
    /* Same value either way; the 32x32 product is one instruction on Cortex-M (SMULL). */
    if (centred >= INT32_MIN && centred <= INT32_MAX) {
        return rmm_sat_unit(rmm_round_shift((int64_t)(int32_t)centred * multiplier, shift));
    }
    return rmm_sat_unit(rmm_round_shift(centred * multiplier, shift));
}

/*
 * Σ_k w[k]·z[k] added to acc, for int16 weights. The plain C loop is the definition; on cores with
 * the DSP extension (Cortex-M4/M7) SMLALD adds two 16x16 products per instruction into the 64-bit
 * accumulator. Integer addition is associative, so both paths give the same sum (CM3/CM4): the
 * golden vectors are checked on the emulated Cortex-M as well as on the host.
 */
static inline int64_t mac_s16(const uint8_t *w, const int16_t *z, int n, int64_t acc)
{
    int k = 0;
#if defined(__ARM_FEATURE_DSP)
    for (; k + 4 <= n; k += 4) {
        int32_t w01, w23, z01, z23;
        RMM_LOAD(&w01, w + 2 * k, 4);
        RMM_LOAD(&w23, w + 2 * k + 4, 4);
        RMM_LOAD(&z01, z + k, 4);
        RMM_LOAD(&z23, z + k + 2, 4);
        acc = __smlald(w01, z01, acc);
        acc = __smlald(w23, z23, acc);
    }
#endif
    for (; k < n; k++) {
        acc += (int64_t)rd16s(w + 2 * k) * z[k];
    }
    return acc;
}

/* The same for int8 weights, four at a time (the products fit in 32 bits, summed in 64). */
static inline int64_t mac_s8(const int8_t *w, const int16_t *z, int n, int64_t acc)
{
    int k = 0;
    for (; k + 4 <= n; k += 4) {
        acc += (int32_t)w[k] * z[k] + (int32_t)w[k + 1] * z[k + 1];
        acc += (int32_t)w[k + 2] * z[k + 2] + (int32_t)w[k + 3] * z[k + 3];
    }
    for (; k < n; k++) {
        acc += (int32_t)w[k] * z[k];
    }
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
            const uint8_t *p = m->params + (pidx + j) * 12;
            int64_t acc = (int64_t)(uint32_t)rd32(p) | ((int64_t)rd32(p + 4) * 4294967296LL);
            int32_t row = w + j * in_size, q;
            if (m->weight_bits == 8) {
                acc = mac_s8((const int8_t *)m->weights + row, input, in_size, acc);
            } else {
                acc = mac_s16(m->weights + 2 * row, input, in_size, acc);
            }
            q = rmm_requantize(acc, rd16u(p + 8), p[10]);
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

static void advance_bank(const rmm_model *m, rmm_state *s, int c, int32_t u)
{
    int32_t first = m->bank_index[c], end = first + m->bank_size[c], k;
    if (m->bank_kind[c] == 0) {
        for (k = first; k < end; k++) {
            int64_t delta = ((int64_t)u - s->states[k]) * rd32(m->banks + k * 8 + 4);
            s->states[k] = rmm_sat32(s->states[k] + rmm_round_shift(delta, RMM_COEFFICIENT_BITS));
        }
        return;
    }
    {
        /* States and section inputs are int32; each product is 32x32 -> 64 (SMULL/SMLAL). */
        int32_t ui = u;
        for (k = first; k < end; k++) {
            int32_t old = s->states[k];
            int32_t lambda = rd32(m->banks + k * 8), gain = rd32(m->banks + k * 8 + 4);
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
        int32_t u = s->v[m->source[c]];
        for (k = m->bank_index[c]; k < m->bank_index[c] + m->bank_size[c]; k++) {
            if (m->bank_kind[c] == 0) {
                s->states[k] = u;
            } else {
                int64_t one = ((int64_t)1) << RMM_COEFFICIENT_BITS;
                s->states[k] = rmm_sat32((int64_t)u * rd32(m->banks + k * 8 + 4) / (one - rd32(m->banks + k * 8)));
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
        advance_bank(m, s, c, s->v[m->source[c]]);
    }
    for (i = 0; i < m->neuron_count; i++) {
        s->v[i] = s->v_next[i];
    }
}
