/*
 * rmm_platform_fake.c - the board hooks of the native engine for host tests: a virtual microsecond
 * clock, an input "ADC" fed from an array, an output "DAC" that records codes, and a timer that the
 * test fires by calling rmm_native_tick() itself.
 */
#include <stdint.h>
#include "engine/rmm_native_engine.h"

static uint32_t s_now, s_read_cost;
static const int32_t *s_inputs;
static int32_t s_input_index, s_timer_on, s_last_code;

int rmm_platform_start_timer(uint32_t period_us) { (void)period_us; s_timer_on = 1; return 0; }
void rmm_platform_stop_timer(void) { s_timer_on = 0; }
int32_t rmm_platform_read_input_code(void) { s_now += s_read_cost; return s_inputs[s_input_index]; }
void rmm_platform_write_output_code(int32_t code) { s_last_code = code; }
uint32_t rmm_platform_micros(void) { return s_now; }

/*
 * Loads a model, calibrates, starts with the Start payload, then fires `ticks` timer ticks one period
 * apart, each taking `cost_us` of virtual time; records the output code after each tick. Returns the
 * number of ticks that ran before the engine stopped; *status receives the final status.
 */
int32_t rmm_harness_native_engine(const uint8_t *file, uint32_t length, const uint8_t *config, uint32_t config_length,
                                  const int32_t *calibration, int32_t ticks, uint32_t cost_us, const int32_t *input_codes,
                                  int32_t *output_codes, rmm_native_status_t *status)
{
    rmm_calibration cal;
    int32_t k;
    rmm_run_config c;
    cal.input_gain = calibration[0];
    cal.input_offset = calibration[1];
    cal.output_gain = calibration[2];
    cal.output_offset = calibration[3];
    cal.output_max_code = calibration[4];
    s_now = 1000;
    s_read_cost = cost_us;
    s_inputs = input_codes;
    s_input_index = 0;
    if (rmm_native_load(file, length) != 0) return -1;
    rmm_native_calibrate(&cal);
    if (rmm_run_config_decode(config, config_length, &c) != 0) return -2;
    if (rmm_native_start(config, config_length) != 0) return -3;
    for (k = 0; k < ticks && s_timer_on; k++) {
        s_now = 1000 + (uint32_t)(k + 1) * c.period_us;
        s_input_index = k;
        rmm_native_tick();
        output_codes[k] = s_last_code;
    }
    rmm_native_status(status);
    rmm_native_stop();
    return k;
}
