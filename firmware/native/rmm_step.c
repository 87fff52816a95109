/*
 * rmm_step.c - one fixed step of an .rmmq model: the twin of shared-model/Kernel/StepKernel.cs,
 * operation for operation, so both give bit-identical results. Plain C99 reference path (CM3: a
 * Cortex-M DSP path would sit here behind a feature macro and end in the same helpers).
 * Version 1, 2026-11-21.
 */
#include "rmm_model.h"

static int32_t rd32(const uint8_t *b) { return (int32_t)((uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24)); }
static int32_t rd16u(const uint8_t *b) { return (int32_t)b[0] | ((int32_t)b[1] << 8); }

static int32_t weight(const rmm_model *m, int32_t index)
{
    if (m->weight_bits == 8) {
        return (int8_t)m->weights[index];
    }
    return (int16_t)(uint16_t)rd16u(m->weights + 2 * index);
}

static int32_t normalize(const rmm_model *m, int32_t entry, int32_t x)
{
    const uint8_t *p = m->norms + entry * 8;
    int64_t centred = (int64_t)x - rd32(p);
    return rmm_sat_unit(rmm_round_shift(centred * rd16u(p + 4), p[6]));
}

static int32_t run_mlp(const rmm_model *m, rmm_state *s, int first, int count)
{
    int32_t *input = s->z, *output = s->buf_a;
    int l, j, k;
    for (l = first; l < first + count; l++) {
        int in_size = m->layer_in[l], out_size = m->layer_out[l], act = m->layer_act[l];
        int32_t w = m->layer_weight[l], pidx = m->layer_param[l];
        for (j = 0; j < out_size; j++) {
            const uint8_t *p = m->params + (pidx + j) * 12;
            int64_t acc = (int64_t)(uint32_t)rd32(p) | ((int64_t)rd32(p + 4) * 4294967296LL);
            int32_t row = w + j * in_size, q;
            for (k = 0; k < in_size; k++) {
                acc += (int64_t)weight(m, row + k) * input[k];
            }
            q = rmm_requantize(acc, rd16u(p + 8), p[10]);
            if (act == 1) {
                q = rmm_tanh(m->table, q);
            } else if (act == 2) {
                q = rmm_sigmoid_of_half(m->table, q);
            }
            output[j] = q;
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
        s->z[0] = normalize(m, norm, s->v[m->owner[c]]);
        inputs = 1;
    }
    for (k = 0; k < m->bank_size[c]; k++) {
        s->z[inputs] = normalize(m, norm + inputs, s->states[first + k]);
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
        int64_t ui = u;
        for (k = first; k < end; k++) {
            int64_t old = s->states[k];
            int64_t lambda = rd32(m->banks + k * 8), gain = rd32(m->banks + k * 8 + 4);
            int64_t y = rmm_round_shift(gain * old - lambda * ui, RMM_COEFFICIENT_BITS);
            s->states[k] = rmm_sat32(rmm_round_shift(lambda * old + gain * ui, RMM_COEFFICIENT_BITS));
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
    s->z = s->psi + m->current_count;
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
