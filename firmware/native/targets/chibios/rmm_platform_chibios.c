/*
 * rmm_platform_chibios.c - the native engine's board hooks on STM32 with ChibiOS (nanoFramework's
 * STM32 images). GPT driver 5 (TIM5, 1 MHz) calls back every period in interrupt context and signals a
 * thread at the highest priority, which runs one tick: a single ADC conversion (ADC1, channel set per
 * board: IN6 = PA6 on the F769I-DISCOVERY) and a DAC write (DAC1 channel 1, PA4) or, on boards without
 * a DAC in the image (F429I-DISCOVERY), an SPI DAC write (hook rmm_spi_dac_write, per board).
 * One converter channel: the board profiles name no second input/output pair for these boards, so
 * a two-channel run is refused by rmm_native_start.
 *
 * Not built on our machines (no ChibiOS toolchain); part of the custom image described in ../../README.md.
 */
#include <ch.h>
#include <hal.h>
#include "../../engine/rmm_native_engine.h"

#ifndef RMM_ADC_CHANNEL
#define RMM_ADC_CHANNEL ADC_CHANNEL_IN6
#endif

static binary_semaphore_t s_tick;
static thread_t *s_thread;
static THD_WORKING_AREA(s_area, 2048);
static adcsample_t s_sample;
static volatile int s_running;

static const ADCConversionGroup s_group = {
    .circular = false, .num_channels = 1, .end_cb = NULL, .error_cb = NULL,
    .cr1 = 0, .cr2 = ADC_CR2_SWSTART, .smpr2 = ADC_SMPR2_SMP_AN6(ADC_SAMPLE_3), .sqr3 = ADC_SQR3_SQ1_N(RMM_ADC_CHANNEL),
};

static void on_period(GPTDriver *driver)
{
    (void)driver;
    chSysLockFromISR();
    chBSemSignalI(&s_tick);
    chSysUnlockFromISR();
}

static const GPTConfig s_timer = { .frequency = 1000000, .callback = on_period, .cr2 = 0, .dier = 0 };

static THD_FUNCTION(loop_thread, argument)
{
    (void)argument;
    chRegSetThreadName("rmm-loop");
    while (true) {
        chBSemWait(&s_tick);
        if (s_running) {
            rmm_native_tick();
        }
    }
}

int rmm_platform_start_timer(uint32_t period_us)
{
    if (s_thread == NULL) {
        chBSemObjectInit(&s_tick, true);
        s_thread = chThdCreateStatic(s_area, sizeof(s_area), HIGHPRIO, loop_thread, NULL);
        adcStart(&ADCD1, NULL);
#if defined(RMM_ONCHIP_DAC)
        dacStart(&DACD1, NULL);
#endif
    }
    s_running = 1;
    gptStart(&GPTD5, &s_timer);
    gptStartContinuous(&GPTD5, period_us);
    return 0;
}

void rmm_platform_stop_timer(void)
{
    s_running = 0;
    gptStopTimer(&GPTD5);
}

int rmm_platform_channels(void)
{
    return 1;
}

int32_t rmm_platform_read_input_code(int channel)
{
    (void)channel;
    adcConvert(&ADCD1, &s_group, &s_sample, 1);
    return s_sample;
}

void rmm_platform_write_output_code(int channel, int32_t code)
{
    (void)channel;
#if defined(RMM_ONCHIP_DAC)
    dacPutChannelX(&DACD1, 0, (dacsample_t)code);
#else
    extern void rmm_spi_dac_write(int32_t code);
    rmm_spi_dac_write(code);
#endif
}

uint32_t rmm_platform_micros(void)
{
    /* The Cortex-M cycle counter (enabled by the nanoFramework startup), in microseconds. */
    return DWT->CYCCNT / (STM32_SYSCLK / 1000000u);
}
