/*
 * budget_platform.h - what budget_main.c needs from the emulated core it runs on: a tick counter that
 * advances with executed instructions under QEMU -icount, a console line, an exit code, and a loop of
 * exactly two instructions per iteration to convert ticks into instructions. One implementation per
 * architecture: cortex_m_platform.c (QEMU mps2-an386/an500) and riscv_platform.c (QEMU virt, rv32).
 */
#ifndef BUDGET_PLATFORM_H
#define BUDGET_PLATFORM_H
#include <stdint.h>

void platform_start_ticks(void);
uint32_t platform_ticks(void);
/* Ticks between two readings of platform_ticks(), whichever way and width the counter runs. */
uint32_t platform_elapsed(uint32_t start, uint32_t end);
void platform_print(const char *line);
void platform_exit(int code) __attribute__((noreturn));
/* Exactly two instructions per iteration (decrement, branch if not zero). */
void calibration_loop(uint32_t n);

#endif
