/*
 * budget_main.c - bare-metal instruction budget of rmm_step on an emulated core (QEMU mps2-an386 =
 * Cortex-M4, mps2-an500 = Cortex-M7, virt with an rv32imc build = RISC-V as on the ESP32-C3), run with
 * -icount so that virtual time advances a fixed amount per executed instruction. The platform's tick
 * counter (budget_platform.h) measures the steps; a calibration loop of known length, measured the same
 * way, converts ticks to instructions. Built by `rmm budget` / tests with the core's gcc at -O2.
 */
#include <stddef.h>
#include <stdint.h>
#include "rmm_model.h"
#include "budget_platform.h"

extern const uint8_t rmm_model_data[];
extern const uint32_t rmm_model_size;

#ifndef STEPS
#define STEPS 2000
#endif
#ifndef CALIBRATION_LOOPS
#define CALIBRATION_LOOPS 1000000
#endif

static rmm_model model;
static int32_t arena[16384];

static void print_u(const char *label, uint32_t v)
{
    char buffer[48];
    int i = 0, j;
    char digits[12];
    int n = 0;
    while (*label) buffer[i++] = *label++;
    do { digits[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    for (j = n - 1; j >= 0; j--) buffer[i++] = digits[j];
    buffer[i++] = '\n';
    buffer[i] = 0;
    platform_print(buffer);
}

#ifdef RMM_GOLDEN
/* Golden mode: run the inputs of a golden set (tests/golden/<set>/inputs.bin, embedded) and print the
 * CRC-32 of every output, in the layout of expected.bin, to compare with the host. */
extern const int32_t rmm_golden_inputs[];

static uint32_t crc_add(uint32_t crc, int32_t value)
{
    int b, k;
    for (b = 0; b < 4; b++) {
        crc ^= (uint8_t)((uint32_t)value >> (8 * b));
        for (k = 0; k < 8; k++) crc = (crc & 1u) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
    }
    return crc;
}

static int run_golden(void)
{
    int32_t steps = rmm_golden_inputs[0], n = rmm_golden_inputs[1], k, i, offset;
    const int32_t *v0 = rmm_golden_inputs + 2, *io = rmm_golden_inputs + 2 + n;
    uint32_t crc = 0xFFFFFFFFu;
    rmm_state state;
    if (rmm_load(rmm_model_data, rmm_model_size, &model, &offset) != RMM_OK) return 1;
    if (rmm_state_init(&model, arena, sizeof(arena), v0, &state) != RMM_OK) return 1;
    for (k = 0; k < steps; k++) {
        rmm_step(&model, &state, io + (size_t)k * 2 * n, io + (size_t)k * 2 * n + n);
        for (i = 0; i < n; i++) crc = crc_add(crc, state.v[i]);
        for (i = 0; i < n; i++) crc = crc_add(crc, state.current_into[i]);
    }
    print_u("golden_crc ", crc ^ 0xFFFFFFFFu);
    return 0;
}
#endif

int main(void)
{
    int32_t offset, v0[RMM_MAX_NEURONS], in[RMM_MAX_NEURONS], k, i;
    uint32_t start, end, loop_ticks, step_ticks;
    rmm_state state;
    rmm_status status;
#ifdef RMM_GOLDEN
    platform_exit(run_golden());
#endif
    status = rmm_load(rmm_model_data, rmm_model_size, &model, &offset);
    if (status != RMM_OK) {
        print_u("load failed, status ", (uint32_t)status);
        platform_exit(1);
    }
    for (i = 0; i < model.neuron_count; i++) v0[i] = -60 * 65536;
    if (rmm_state_init(&model, arena, sizeof(arena), v0, &state) != RMM_OK) {
        platform_print("arena too small\n");
        platform_exit(1);
    }

    platform_start_ticks();

    start = platform_ticks();
    calibration_loop(CALIBRATION_LOOPS);
    end = platform_ticks();
    loop_ticks = platform_elapsed(start, end);

    start = platform_ticks();
    for (k = 0; k < STEPS; k++) {
        for (i = 0; i < model.neuron_count; i++) {
            in[i] = ((k * 7919 + i * 104729) % 131072) - 65536;   /* a varying current, ±1 nA */
        }
        rmm_step(&model, &state, in, v0);
    }
    end = platform_ticks();
    step_ticks = platform_elapsed(start, end);

    print_u("calibration_instructions ", 2u * CALIBRATION_LOOPS);
    print_u("calibration_ticks ", loop_ticks);
    print_u("steps ", STEPS);
    print_u("step_ticks ", step_ticks);
    platform_exit(0);
    return 0;
}
