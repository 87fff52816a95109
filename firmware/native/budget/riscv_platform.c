/*
 * riscv_platform.c - budget_platform.h on QEMU's riscv32 "virt" machine, standing in for an rv32imc
 * core such as the ESP32-C3's: the minstret counter (which QEMU derives from -icount) counts, the
 * NS16550 UART at 0x10000000 prints, and the SiFive test device at 0x100000 ends QEMU with an exit code.
 * Also the start-up code: stack, .bss, main.
 */
#include <stdint.h>
#include "budget_platform.h"

#define UART_THR (*(volatile uint8_t *)0x10000000u)
#define TEST_FINISHER (*(volatile uint32_t *)0x00100000u)

extern uint32_t _sbss, _ebss;
extern int main(void);

void platform_start_ticks(void) {}

uint32_t platform_ticks(void)
{
    uint32_t value;
    /* The CSR instructions are Zicsr, outside rv32imc's name but on every such core (the ESP32-C3 too). */
    __asm__ volatile(".option push\n .option arch, +zicsr\n csrr %0, minstret\n .option pop" : "=r"(value));
    return value;
}

/* minstret counts up; its low word wraps at 2^32. */
uint32_t platform_elapsed(uint32_t start, uint32_t end) { return end - start; }

void platform_print(const char *line)
{
    while (*line) UART_THR = (uint8_t)*line++;
}

/* 0x5555: pass (QEMU exits 0); (code << 16) | 0x3333: fail with that code. */
void platform_exit(int code)
{
    TEST_FINISHER = code == 0 ? 0x5555u : ((uint32_t)code << 16) | 0x3333u;
    for (;;) {}
}

void __attribute__((noinline)) calibration_loop(uint32_t n)
{
    __asm__ volatile("1: addi %0, %0, -1\n bnez %0, 1b" : "+r"(n));
}

void reset_c(void)
{
    uint32_t *p;
    for (p = &_sbss; p < &_ebss; p++) *p = 0;
    platform_exit(main());
}

/* Entry point (QEMU -bios none jumps to the ELF entry): a stack at the top of RAM, then C. */
__attribute__((naked, section(".text.start"))) void _start(void)
{
    __asm__ volatile("la sp, _stack_top\n j reset_c");
}
