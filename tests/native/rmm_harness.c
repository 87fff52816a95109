/*
 * rmm_harness.c - test-only entry points around the C kernel, called from the xUnit tests through
 * P/Invoke (the kernel itself never allocates; this harness may).
 */
#include <stdlib.h>
#include <string.h>
#include "rmm_model.h"

/* Validates a file; returns its status and the offending byte offset. */
int rmm_harness_load(const uint8_t *file, uint32_t length, int32_t *offset)
{
    rmm_model *m = (rmm_model *)malloc(sizeof(rmm_model));
    int status;
    *offset = -1;
    status = (int)rmm_load(file, length, m, offset);
    free(m);
    return status;
}

/*
 * Loads a file and runs `steps` steps from v0. injected/measured hold steps x neurons values;
 * out_v and out_current receive the voltages and the currents into each neuron after each step.
 */
int rmm_harness_run(const uint8_t *file, uint32_t length, const int32_t *v0, const int32_t *injected,
                    const int32_t *measured, int32_t steps, int32_t *out_v, int32_t *out_current)
{
    rmm_model *m = (rmm_model *)malloc(sizeof(rmm_model));
    rmm_state s;
    int32_t offset, k, n, *arena;
    int status = (int)rmm_load(file, length, m, &offset);
    if (status != RMM_OK) {
        free(m);
        return status;
    }
    n = m->neuron_count;
    arena = (int32_t *)malloc((size_t)m->arena_bytes);
    status = (int)rmm_state_init(m, arena, (uint32_t)m->arena_bytes, v0, &s);
    for (k = 0; status == RMM_OK && k < steps; k++) {
        rmm_step(m, &s, injected + (size_t)k * n, measured + (size_t)k * n);
        memcpy(out_v + (size_t)k * n, s.v, sizeof(int32_t) * (size_t)n);
        memcpy(out_current + (size_t)k * n, s.current_into, sizeof(int32_t) * (size_t)n);
    }
    free(arena);
    free(m);
    return status;
}

/* The requantization helper of rmm_fixed.h, for a direct comparison with FixedPoint.Requantize. */
int32_t rmm_harness_requantize(int64_t x, int32_t multiplier, int32_t shift)
{
    return rmm_requantize(x, multiplier, shift);
}

/*
 * Runs the native loop (rmm_loop.c) over `steps` steps with the Start payload `config`; inputs and
 * outputs hold one value per channel per step, interleaved (step k, channel c at k * channels + c).
 * Returns the number of steps taken before a safety stop (or `steps`), with the stop reason in
 * *reason; -1 for a bad model or configuration.
 */
#include "rmm_loop.h"
int32_t rmm_harness_loop(const uint8_t *file, uint32_t length, const uint8_t *config, uint32_t config_length,
                         int32_t steps, const int32_t *inputs, int32_t *outputs, int32_t *reason)
{
    rmm_model *m = (rmm_model *)malloc(sizeof(rmm_model));
    rmm_run_config c;
    rmm_loop loop;
    rmm_state s;
    int32_t offset, k, *arena;
    if (rmm_load(file, length, m, &offset) != RMM_OK || rmm_run_config_decode(config, config_length, &c) != 0 || rmm_loop_check(m, &c) != 0) {
        free(m);
        return -1;
    }
    arena = (int32_t *)malloc((size_t)m->arena_bytes);
    if (rmm_loop_init(&loop, m, &s, arena, (uint32_t)m->arena_bytes, &c) != RMM_OK) {
        free(arena);
        free(m);
        return -1;
    }
    for (k = 0; k < steps; k++) {
        if (!rmm_loop_step(&loop, inputs + k * c.channels, outputs + k * c.channels)) {
            k++;
            break;
        }
    }
    *reason = loop.stop_reason;
    free(arena);
    free(m);
    return k;
}
