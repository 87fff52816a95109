/*
 * rmm_platform_fake.c - the board hooks of the native engine for host tests: a virtual microsecond
 * clock, an input "ADC" fed from an array, an output "DAC" that records codes, and a timer that the
 * test fires by calling rmm_native_tick() itself.
 */
#include <stdint.h>
#include "engine/rmm_native_engine.h"

static uint32_t s_now, s_read_cost;
static const int32_t *s_inputs;
static int32_t s_input_index, s_timer_on, s_last_code[2], s_channels = 2;

int rmm_platform_start_timer(uint32_t period_us) { (void)period_us; s_timer_on = 1; return 0; }
void rmm_platform_stop_timer(void) { s_timer_on = 0; }
int rmm_platform_channels(void) { return s_channels; }
/* Channel c of tick k reads input_codes[k * channels + c]; the read cost is charged once per tick. */
int32_t rmm_platform_read_input_code(int channel) { if (channel == 0) { s_now += s_read_cost; } return s_inputs[s_input_index + channel]; }
void rmm_platform_write_output_code(int channel, int32_t code) { s_last_code[channel] = code; }
uint32_t rmm_platform_micros(void) { return s_now; }

/*
 * Loads a model, calibrates, starts with the Start payload on a fake board wiring `wired_channels`
 * channels, then fires `ticks` timer ticks one period apart, each taking `cost_us` of virtual time;
 * records the output codes after each tick (interleaved by channel, like the input codes). Returns the
 * number of ticks that ran before the engine stopped (-3: the start was refused); *status receives
 * the final status.
 */
int32_t rmm_harness_native_engine(const uint8_t *file, uint32_t length, const uint8_t *config, uint32_t config_length,
                                  const int32_t *calibration, int32_t ticks, uint32_t cost_us, const int32_t *input_codes,
                                  int32_t *output_codes, rmm_native_status_t *status, int32_t wired_channels)
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
    s_channels = wired_channels;
    if (rmm_native_load(file, length) != 0) return -1;
    rmm_native_calibrate(&cal);
    if (rmm_run_config_decode(config, config_length, &c) != 0) return -2;
    if (rmm_native_start(config, config_length) != 0) return -3;
    for (k = 0; k < ticks && s_timer_on; k++) {
        s_now = 1000 + (uint32_t)(k + 1) * c.period_us;
        s_input_index = k * c.channels;
        rmm_native_tick();
        output_codes[k * c.channels] = s_last_code[0];
        if (c.channels == 2) {
            output_codes[k * 2 + 1] = s_last_code[1];
        }
    }
    rmm_native_status(status);
    rmm_native_stop();
    return k;
}
