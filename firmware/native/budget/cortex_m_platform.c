/*
 * cortex_m_platform.c - budget_platform.h on QEMU's Arm MPS2 boards (mps2-an386 Cortex-M4, mps2-an500
 * Cortex-M7): SysTick on the processor clock counts, ARM semihosting prints and exits.
 */
#include <stdint.h>
#include "budget_platform.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)

static int semihost(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void platform_start_ticks(void)
{
    SYST_RVR = 0x00FFFFFFu;
    SYST_CVR = 0;
    SYST_CSR = 5u;   /* enable, processor clock, no interrupt */
}

uint32_t platform_ticks(void) { return SYST_CVR; }

/* SysTick counts down through 24 bits. */
uint32_t platform_elapsed(uint32_t start, uint32_t end) { return (start - end) & 0x00FFFFFFu; }

void platform_print(const char *line) { semihost(0x04, line); }

/* SYS_EXIT on AArch32 takes the reason code itself: ApplicationExit (QEMU exits 0) or RunTimeError (exits 1). */
void platform_exit(int code)
{
    semihost(0x18, (const void *)(uintptr_t)(code == 0 ? 0x20026u : 0x20024u));
    for (;;) {}
}

void __attribute__((noinline)) calibration_loop(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n bne 1b" : "+r"(n) : : "cc");
}
