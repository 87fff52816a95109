/* cortex_m_startup.c - minimal Cortex-M start-up for the budget program: vector table, .data copy,
   .bss zeroing, FPU enable, then main. */
#include <stdint.h>

extern uint32_t _etext, _sdata, _edata, _sbss, _ebss, _stack_top;
extern int main(void);

void reset_handler(void)
{
    uint32_t *src = &_etext, *dst = &_sdata;
    while (dst < &_edata) *dst++ = *src++;
    for (dst = &_sbss; dst < &_ebss; dst++) *dst = 0;
    /* CPACR: full access to CP10/CP11 (the FPU), in case the compiler uses it. */
    *(volatile uint32_t *)0xE000ED88u |= (0xFu << 20);
    __asm__ volatile("dsb\n isb");
    main();
    for (;;) {}
}

static void default_handler(void) { for (;;) {} }

__attribute__((section(".vectors"), used)) static void (*const vectors[16])(void) = {
    (void (*)(void))(&_stack_top), reset_handler, default_handler, default_handler,
    default_handler, default_handler, default_handler, 0, 0, 0, 0,
    default_handler, default_handler, 0, default_handler, default_handler,
};
