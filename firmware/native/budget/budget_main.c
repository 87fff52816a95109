/*
 * budget_main.c - bare-metal instruction budget of rmm_step on an emulated Cortex-M (QEMU
 * mps2-an386 = Cortex-M4, mps2-an500 = Cortex-M7), run with -icount so that virtual time advances a
 * fixed amount per executed instruction. SysTick (processor clock) measures the steps; a calibration
 * loop of known length, measured the same way, converts ticks to instructions. Prints through ARM
 * semihosting and exits. Built by `rmm budget` / tests with arm-none-eabi-gcc -O2.
 */
#include <stddef.h>
#include <stdint.h>
#include "rmm_model.h"

extern const uint8_t rmm_model_data[];
extern const uint32_t rmm_model_size;

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#ifndef STEPS
#define STEPS 2000
#endif
#ifndef CALIBRATION_LOOPS
#define CALIBRATION_LOOPS 1000000
#endif

static rmm_model model;
static int32_t arena[16384];

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

static void print(const char *s) { semihost(0x04, s); }

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
    print(buffer);
}

/* SYS_EXIT on AArch32 takes the reason code itself: ApplicationExit (QEMU exits 0) or RunTimeError (exits 1). */
static void exit_with(int code)
{
    semihost(0x18, (const void *)(uintptr_t)(code == 0 ? 0x20026u : 0x20024u));
    for (;;) {}
}

static uint32_t ticks_now(void) { return SYST_CVR; }

/* A loop of exactly 2 instructions per iteration (subs, bne), for calibration. */
static void __attribute__((noinline)) calibration_loop(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
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
    exit_with(run_golden());
#endif
    status = rmm_load(rmm_model_data, rmm_model_size, &model, &offset);
    if (status != RMM_OK) {
        print_u("load failed, status ", (uint32_t)status);
        exit_with(1);
    }
    for (i = 0; i < model.neuron_count; i++) v0[i] = -60 * 65536;
    if (rmm_state_init(&model, arena, sizeof(arena), v0, &state) != RMM_OK) {
        print("arena too small\n");
        exit_with(1);
    }

    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u;   /* enable, processor clock, no interrupt */

    start = ticks_now();
    calibration_loop(CALIBRATION_LOOPS);
    end = ticks_now();
    loop_ticks = (start - end) & 0x00FFFFFFu;

    start = ticks_now();
    for (k = 0; k < STEPS; k++) {
        for (i = 0; i < model.neuron_count; i++) {
            in[i] = ((k * 7919 + i * 104729) % 131072) - 65536;   /* a varying current, ±1 nA */
        }
        rmm_step(&model, &state, in, v0);
    }
    end = ticks_now();
    step_ticks = (start - end) & 0x00FFFFFFu;

    print_u("calibration_instructions ", 2u * CALIBRATION_LOOPS);
    print_u("calibration_ticks ", loop_ticks);
    print_u("steps ", STEPS);
    print_u("step_ticks ", step_ticks);
    exit_with(0);
    return 0;
}
