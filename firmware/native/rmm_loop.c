/*
 * rmm_loop.c - see rmm_loop.h. The order of operations follows LoopCore.cs line by line.
 */
#include "rmm_loop.h"

static uint32_t u16(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8); }
static uint32_t u32(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }

int rmm_run_config_decode(const uint8_t *p, uint32_t length, rmm_run_config *c)
{
    if (length < RMM_RUN_CONFIG_SIZE) {
        return -1;
    }
    c->mode = p[0];
    c->engine = p[1];
    c->period_us = u32(p + 2);
    c->current_min = (int32_t)u32(p + 6);
    c->current_max = (int32_t)u32(p + 10);
    c->valid_min = (int32_t)u32(p + 14);
    c->valid_max = (int32_t)u32(p + 18);
    c->electrode_loss_ms = (uint16_t)u16(p + 22);
    c->overrun_streak = (uint16_t)u16(p + 24);
    c->measured_neuron = p[26];
    c->output_neuron = p[27];
    c->telemetry_every = (uint16_t)u16(p + 28);
    if (c->mode < RMM_MODE_EMULATOR || c->mode > RMM_MODE_HYBRID || c->period_us == 0) {
        return -1;
    }
    if (c->current_min > 0 || c->current_max < 0 || c->current_min >= c->current_max) {
        return -1;
    }
    if (c->valid_min >= c->valid_max || c->overrun_streak == 0) {
        return -1;
    }
    return 0;
}

int rmm_loop_check(const rmm_model *m, const rmm_run_config *c)
{
    if (c->output_neuron >= m->neuron_count) {
        return -1;
    }
    if (c->mode != RMM_MODE_EMULATOR) {
        if (c->measured_neuron >= m->neuron_count || !m->external[c->measured_neuron] || !m->external[c->output_neuron]) {
            return -1;
        }
    } else if (m->external[c->output_neuron]) {
        return -1;
    }
    if (m->dt_ns % 1000 != 0 || (uint32_t)(m->dt_ns / 1000) != c->period_us) {
        return -1;
    }
    return 0;
}

rmm_status rmm_loop_init(rmm_loop *loop, const rmm_model *m, rmm_state *s, int32_t *arena, uint32_t arena_bytes, const rmm_run_config *c)
{
    int32_t v0[RMM_MAX_NEURONS];
    int64_t period_ns = (int64_t)c->period_us * 1000;
    int i;
    rmm_status status;
    for (i = 0; i < m->neuron_count; i++) {
        v0[i] = -60 * 65536;
        loop->injected[i] = 0;
        loop->measured[i] = 0;
    }
    status = rmm_state_init(m, arena, arena_bytes, v0, s);
    if (status != RMM_OK) {
        return status;
    }
    loop->model = m;
    loop->state = s;
    loop->config = *c;
    loop->loss_steps = (int32_t)(((int64_t)c->electrode_loss_ms * 1000000 + period_ns - 1) / period_ns);
    loop->out_of_range = 0;
    loop->input = 0;
    loop->output = 0;
    loop->stop_reason = RMM_STOP_NONE;
    return RMM_OK;
}

int rmm_loop_step(rmm_loop *loop, int32_t input, int32_t *output)
{
    const rmm_run_config *c = &loop->config;
    int32_t into, current;
    loop->input = input;
    if (c->mode == RMM_MODE_EMULATOR) {
        loop->injected[c->output_neuron] = input;
        rmm_step(loop->model, loop->state, loop->injected, loop->measured);
        loop->output = loop->state->v[c->output_neuron];
        *output = loop->output;
        return 1;
    }

    if (input < c->valid_min || input > c->valid_max) {
        loop->out_of_range++;
        if (loop->out_of_range >= loop->loss_steps) {
            loop->output = 0;
            *output = 0;
            loop->stop_reason = RMM_STOP_ELECTRODE_LOSS;
            return 0;
        }
    } else {
        loop->out_of_range = 0;
    }

    loop->measured[c->measured_neuron] = input;
    rmm_step(loop->model, loop->state, loop->injected, loop->measured);
    into = loop->state->current_into[c->output_neuron];
    current = into == INT32_MIN ? INT32_MAX : -into;   /* saturating negation, as LoopCore */
    if (current < c->current_min) {
        current = c->current_min;
    } else if (current > c->current_max) {
        current = c->current_max;
    }
    loop->output = current;
    *output = current;
    return 1;
}
