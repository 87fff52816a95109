/*
 * rmm_native_engine.c - see rmm_native_engine.h.
 */
#include <string.h>
#include "rmm_native_engine.h"

static uint8_t s_file[RMM_NATIVE_MODEL_BYTES] __attribute__((aligned(4)));
static int32_t s_arena[RMM_NATIVE_ARENA_BYTES / 4];
static rmm_model s_model;
static rmm_state s_state;
static rmm_loop s_loop;
static rmm_calibration s_cal = { 1 << 8, 0, 1 << 16, 0, 4095 };   /* identity until the host calibrates */
static int s_loaded;
static volatile int s_in_tick;
static volatile uint8_t s_state_flag = RMM_STATE_IDLE, s_reason;
/* s_streak keeps the overrun rule: the C twin of firmware/Engine/OverrunStreak.cs */
static volatile uint32_t s_step, s_overruns, s_streak;
static volatile uint16_t s_cycle, s_max_cycle;
static uint32_t s_period_us, s_due_us;
static volatile uint32_t s_jitter[RMM_JITTER_BINS];

static int jitter_bin(int32_t late_us)
{
    int bin = 0;
    while (late_us >= 1 && bin < RMM_JITTER_BINS - 1) {
        late_us >>= 1;
        bin++;
    }
    return bin;
}

void rmm_native_jitter(uint32_t *bins, uint32_t count)
{
    uint32_t i;
    for (i = 0; i < count && i < RMM_JITTER_BINS; i++) {
        bins[i] = s_jitter[i];
    }
}

static int32_t output_code(int32_t value)
{
    int64_t scaled = (((int64_t)value - s_cal.output_offset) * s_cal.output_gain + ((int64_t)1 << 31)) >> 32;   /* rounded, as Calibration.ToCode */
    return scaled < 0 ? 0 : scaled > s_cal.output_max_code ? s_cal.output_max_code : (int32_t)scaled;
}

static void write_safe(void)
{
    /* Zero current (or rest voltage) is the calibrated code of 0, on every channel the run uses. */
    int ch, channels = s_loop.config.channels == 2 ? 2 : 1;
    for (ch = 0; ch < channels; ch++) {
        rmm_platform_write_output_code(ch, output_code(0));
    }
}

int rmm_native_load(const uint8_t *file, uint32_t length)
{
    int32_t offset;
    rmm_status status;
    if (s_state_flag == RMM_STATE_RUNNING) {
        return -1;
    }
    if (length > sizeof(s_file)) {
        return RMM_SIZE_MISMATCH;
    }
    memcpy(s_file, file, length);
    status = rmm_load(s_file, length, &s_model, &offset);
    s_loaded = status == RMM_OK && s_model.arena_bytes <= (int32_t)sizeof(s_arena);
    return status == RMM_OK && !s_loaded ? RMM_ARENA_TOO_SMALL : (int)status;
}

void rmm_native_calibrate(const rmm_calibration *calibration)
{
    s_cal = *calibration;
}

int rmm_native_start(const uint8_t *payload, uint32_t length)
{
    rmm_run_config config;
    if (!s_loaded || s_state_flag == RMM_STATE_RUNNING) {
        return -1;
    }
    if (rmm_run_config_decode(payload, length, &config) != 0 || rmm_loop_check(&s_model, &config) != 0) {
        return -1;
    }
    if (config.channels > rmm_platform_channels()) {
        return -1;
    }
    if (rmm_loop_init(&s_loop, &s_model, &s_state, s_arena, sizeof(s_arena), &config) != RMM_OK) {
        return -1;
    }
    s_step = s_overruns = s_streak = 0;
    memset((void *)s_jitter, 0, sizeof(s_jitter));
    s_cycle = s_max_cycle = 0;
    s_reason = RMM_STOP_NONE;
    s_period_us = config.period_us;
    s_due_us = rmm_platform_micros() + config.period_us;
    s_state_flag = RMM_STATE_RUNNING;
    if (rmm_platform_start_timer(config.period_us) != 0) {
        s_state_flag = RMM_STATE_STOPPED;
        s_reason = RMM_STOP_FAULT;
        write_safe();
        return -1;
    }
    return 0;
}

static void finish(uint8_t reason)
{
    rmm_platform_stop_timer();
    write_safe();
    if (s_state_flag == RMM_STATE_RUNNING) {
        s_reason = reason;
        s_state_flag = RMM_STATE_STOPPED;
    }
}

void rmm_native_stop(void)
{
    finish(RMM_STOP_REQUESTED);
}

void rmm_native_status(rmm_native_status_t *status)
{
    status->step = s_step;
    status->overruns = s_overruns;
    status->input = s_loop.input[0];
    status->output = s_loop.output[0];
    status->cycle_us = s_cycle;
    status->max_cycle_us = s_max_cycle;
    status->state = s_state_flag;
    status->reason = s_reason;
}

void rmm_native_tick(void)
{
    uint32_t start, end, cycle;
    int32_t inputs[RMM_MAX_CHANNELS], outputs[RMM_MAX_CHANNELS];
    int64_t scaled;
    int late, ch, channels;
    if (s_state_flag != RMM_STATE_RUNNING) {
        return;
    }
    if (s_in_tick) {   /* the previous tick still runs: this period is lost */
        s_overruns++;
        if (++s_streak >= s_loop.config.overrun_streak) {
            s_reason = RMM_STOP_OVERRUN_STREAK;
        }
        return;
    }
    s_in_tick = 1;
    start = rmm_platform_micros();
    late = (int32_t)(start - s_due_us) > (int32_t)s_period_us;
    s_jitter[jitter_bin((int32_t)(start - s_due_us))]++;
    channels = s_loop.config.channels;
    for (ch = 0; ch < channels; ch++) {   /* both inputs before the step, both outputs after it */
        scaled = ((int64_t)rmm_platform_read_input_code(ch) * s_cal.input_gain) >> 8;
        inputs[ch] = (int32_t)(scaled + s_cal.input_offset);
    }
    if (!rmm_loop_step(&s_loop, inputs, outputs)) {
        s_step++;
        s_in_tick = 0;
        finish(s_loop.stop_reason);
        return;
    }
    for (ch = 0; ch < channels; ch++) {
        rmm_platform_write_output_code(ch, output_code(outputs[ch]));
    }
    end = rmm_platform_micros();
    cycle = end - start;
    s_cycle = (uint16_t)(cycle > 65535 ? 65535 : cycle);
    if (s_cycle > s_max_cycle) {
        s_max_cycle = s_cycle;
    }
    s_due_us += s_period_us;
    if (late || (int32_t)(end - s_due_us) > 0) {
        s_overruns++;
        s_streak++;
        if (late) {
            s_due_us = end + s_period_us;
        }
    } else {
        s_streak = 0;
    }
    s_step++;
    s_in_tick = 0;
    if (s_reason == RMM_STOP_OVERRUN_STREAK || s_streak >= s_loop.config.overrun_streak) {
        finish(RMM_STOP_OVERRUN_STREAK);
    }
}
