/*
 * rmm_platform_esp32.c - the native engine's board hooks on ESP32 (ESP-IDF 5.x, as nanoFramework's
 * ESP32 images use). The timed loop is ../esp-idf/rmm_esp_idf_loop.c, its task pinned to core 0
 * (nanoCLR runs on core 1). Channel 1: ADC1 channel 6 (GPIO34) in, DAC channel 0
 * (GPIO25) out; channel 2: ADC1 channel 7 (GPIO35) in, DAC channel 1 (GPIO26) out (boards/
 * esp32-devkitc.json). ADC at 12 dB attenuation, raw codes; DAC 8-bit (codes above 255 never reach
 * it: the engine clips to the calibrated maximum code, 255 in the ESP32 profile).
 *
 * Not built on our machines (no ESP-IDF); part of the custom image described in ../../README.md.
 */
#include "esp_adc/adc_oneshot.h"
#include "driver/dac_oneshot.h"
#include "esp_timer.h"
#include "../../engine/rmm_native_engine.h"
#include "../esp-idf/rmm_esp_idf_loop.h"

static adc_oneshot_unit_handle_t s_adc;
static dac_oneshot_handle_t s_dac[2];
static const adc_channel_t s_adc_channel[2] = { ADC_CHANNEL_6, ADC_CHANNEL_7 };
static const dac_channel_t s_dac_channel[2] = { DAC_CHAN_0, DAC_CHAN_1 };

static int init_converters(void)
{
    adc_oneshot_unit_init_cfg_t unit = { .unit_id = ADC_UNIT_1 };
    adc_oneshot_chan_cfg_t channel = { .atten = ADC_ATTEN_DB_12, .bitwidth = ADC_BITWIDTH_12 };
    int ch;
    if (s_adc == NULL) {
        if (adc_oneshot_new_unit(&unit, &s_adc) != ESP_OK) {
            return -1;
        }
        for (ch = 0; ch < 2; ch++) {
            if (adc_oneshot_config_channel(s_adc, s_adc_channel[ch], &channel) != ESP_OK) {
                return -1;
            }
        }
    }
    for (ch = 0; ch < 2; ch++) {
        dac_oneshot_config_t dac = { .chan_id = s_dac_channel[ch] };
        if (s_dac[ch] == NULL && dac_oneshot_new_channel(&dac, &s_dac[ch]) != ESP_OK) {
            return -1;
        }
    }
    return 0;
}

int rmm_platform_channels(void)
{
    return 2;
}

int rmm_platform_start_timer(uint32_t period_us)
{
    if (init_converters() != 0) {
        return -1;
    }
    return rmm_esp_idf_start_loop(period_us, 0);   /* core 0: nanoCLR runs on core 1 */
}

void rmm_platform_stop_timer(void)
{
    rmm_esp_idf_stop_loop();
}

int32_t rmm_platform_read_input_code(int channel)
{
    int raw = 0;
    adc_oneshot_read(s_adc, s_adc_channel[channel & 1], &raw);
    return raw;
}

void rmm_platform_write_output_code(int channel, int32_t code)
{
    if (s_dac[channel & 1] != NULL) {
        dac_oneshot_output_voltage(s_dac[channel & 1], (uint8_t)(code < 0 ? 0 : code > 255 ? 255 : code));
    }
}

uint32_t rmm_platform_micros(void)
{
    return (uint32_t)esp_timer_get_time();
}
