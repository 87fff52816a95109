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
    c->channels = p[30] == 2 ? 2 : 1;
    c->measured_neuron2 = p[31];
    c->output_neuron2 = p[32];
    if (p[30] > RMM_MAX_CHANNELS) {
        return -1;
    }
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

static int check_channel(const rmm_model *m, uint8_t mode, uint8_t measured, uint8_t output)
{
    if (output >= m->neuron_count) {
        return -1;
    }
    if (mode != RMM_MODE_EMULATOR) {
        if (measured >= m->neuron_count || !m->external[measured] || !m->external[output]) {
            return -1;
        }
    } else if (m->external[output]) {
        return -1;
    }
    return 0;
}

int rmm_loop_check(const rmm_model *m, const rmm_run_config *c)
{
    if (check_channel(m, c->mode, c->measured_neuron, c->output_neuron) != 0) {
        return -1;
    }
    if (c->channels == 2) {
        if (check_channel(m, c->mode, c->measured_neuron2, c->output_neuron2) != 0 || c->output_neuron == c->output_neuron2) {
            return -1;
        }
        if (c->mode != RMM_MODE_EMULATOR && c->measured_neuron == c->measured_neuron2) {
            return -1;
        }
    }
    if (m->dt_ns % 1000 != 0 || (uint32_t)(m->dt_ns / 1000) != c->period_us) {
        return -1;
    }
    return 0;
}

static int emulator_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs);
static int clamp_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs);
static const rmm_loop_mode emulator_mode = { emulator_step };
static const rmm_loop_mode clamp_mode = { clamp_step };

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
    for (i = 0; i < RMM_MAX_CHANNELS; i++) {
        loop->out_of_range[i] = 0;
        loop->input[i] = 0;
        loop->output[i] = 0;
    }
    loop->stop_reason = RMM_STOP_NONE;
    loop->mode = c->mode == RMM_MODE_EMULATOR ? &emulator_mode : &clamp_mode;
    return RMM_OK;
}

static int32_t clipped_current_into(const rmm_loop *loop, uint8_t neuron)
{
    int32_t into = loop->state->current_into[neuron];
    int32_t current = into == INT32_MIN ? INT32_MAX : -into;   /* saturating negation, as LoopCore */
    if (current < loop->config.current_min) {
        current = loop->config.current_min;
    } else if (current > loop->config.current_max) {
        current = loop->config.current_max;
    }
    return current;
}

/* NeuronEmulatorMode: the command current into each output neuron, its membrane potential out. */
static int emulator_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs)
{
    const rmm_run_config *c = &loop->config;
    const uint8_t out[RMM_MAX_CHANNELS] = { c->output_neuron, c->output_neuron2 };
    int ch;
    for (ch = 0; ch < c->channels; ch++) {
        loop->injected[out[ch]] = inputs[ch];
    }
    rmm_step(loop->model, loop->state, loop->injected, loop->measured);
    for (ch = 0; ch < c->channels; ch++) {
        outputs[ch] = loop->state->v[out[ch]];
    }
    return 1;
}

/* ClampMode: the measured voltage in, -sum(psi) into the output neuron out, clipped; electrode loss stops. */
static int clamp_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs)
{
    const rmm_run_config *c = &loop->config;
    const uint8_t measured[RMM_MAX_CHANNELS] = { c->measured_neuron, c->measured_neuron2 };
    const uint8_t out[RMM_MAX_CHANNELS] = { c->output_neuron, c->output_neuron2 };
    int ch, lost = 0;
    for (ch = 0; ch < c->channels; ch++) {
        if (inputs[ch] < c->valid_min || inputs[ch] > c->valid_max) {
            loop->out_of_range[ch]++;
            lost |= loop->out_of_range[ch] >= loop->loss_steps;
        } else {
            loop->out_of_range[ch] = 0;
        }
    }
    if (lost) {
        for (ch = 0; ch < c->channels; ch++) {
            outputs[ch] = 0;
        }
        loop->stop_reason = RMM_STOP_ELECTRODE_LOSS;
        return 0;
    }

    for (ch = 0; ch < c->channels; ch++) {
        loop->measured[measured[ch]] = inputs[ch];
    }
    rmm_step(loop->model, loop->state, loop->injected, loop->measured);
    for (ch = 0; ch < c->channels; ch++) {
        outputs[ch] = clipped_current_into(loop, out[ch]);
    }
    return 1;
}

int rmm_loop_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs)
{
    int ch, go;
    for (ch = 0; ch < RMM_MAX_CHANNELS; ch++) {
        loop->input[ch] = ch < loop->config.channels ? inputs[ch] : 0;
    }
    go = loop->mode->step(loop, inputs, outputs);
    for (ch = 0; ch < loop->config.channels; ch++) {
        loop->output[ch] = outputs[ch];
    }
    return go;
}
