/*
 * rmm_platform_esp32c3.c - the native engine's board hooks on the ESP32-C3 (ESP-IDF 5.x, as
 * nanoFramework's ESP32_C3 image uses; boards/esp32-c3-devkitm-spi-dac.json). The C3 has one RISC-V
 * core and no DAC:
 * - the timed loop is ../esp-idf/rmm_esp_idf_loop.c (a timer ISR waking a top-priority task). nanoCLR
 *   shares the core, so it only runs in the time the loop leaves; rmm budget measures the step on an
 *   rv32imc core;
 * - input: ADC1 channel 2 (GPIO2) at 12 dB attenuation, raw 12-bit codes (ADC1 only: ADC2 is not
 *   reliable on this chip);
 * - output: an MCP4922 12-bit DAC on SPI2 (GPIO6 SCK, GPIO7 MOSI, GPIO10 CS), channel A, written with a
 *   polling transaction of one 16-bit word: A/B = 0, buffered, gain 1x, active, then the code. The
 *   engine has already clipped the code to the calibrated range; the mask below only keeps it in the
 *   word's 12 data bits.
 * One channel pair.
 *
 * Not built on our machines (no ESP-IDF); part of the custom image described in ../../README.md.
 */
#include "freertos/FreeRTOS.h"
#include "driver/spi_master.h"
#include "esp_adc/adc_oneshot.h"
#include "esp_timer.h"
#include "../../engine/rmm_native_engine.h"
#include "../esp-idf/rmm_esp_idf_loop.h"

#define RMM_ADC_CHANNEL ADC_CHANNEL_2
#define RMM_SPI_HOST SPI2_HOST
#define RMM_PIN_SCK 6
#define RMM_PIN_MOSI 7
#define RMM_PIN_CS 10
/* MCP4922 command bits: channel A (bit 15 = 0), buffered reference (14), gain 1x (13), active (12). */
#define MCP4922_CHANNEL_A_COMMAND 0x7000u

static adc_oneshot_unit_handle_t s_adc;
static spi_device_handle_t s_dac;

static int init_converters(void)
{
    adc_oneshot_unit_init_cfg_t unit = { .unit_id = ADC_UNIT_1 };
    adc_oneshot_chan_cfg_t channel = { .atten = ADC_ATTEN_DB_12, .bitwidth = ADC_BITWIDTH_12 };
    spi_bus_config_t bus = { .sclk_io_num = RMM_PIN_SCK, .mosi_io_num = RMM_PIN_MOSI, .miso_io_num = -1,
                             .quadwp_io_num = -1, .quadhd_io_num = -1, .max_transfer_sz = 2 };
    spi_device_interface_config_t device = { .clock_speed_hz = 10 * 1000 * 1000, .mode = 0, .spics_io_num = RMM_PIN_CS, .queue_size = 1 };
    if (s_adc == NULL) {
        if (adc_oneshot_new_unit(&unit, &s_adc) != ESP_OK || adc_oneshot_config_channel(s_adc, RMM_ADC_CHANNEL, &channel) != ESP_OK) {
            return -1;
        }
    }
    if (s_dac == NULL) {
        if (spi_bus_initialize(RMM_SPI_HOST, &bus, SPI_DMA_DISABLED) != ESP_OK || spi_bus_add_device(RMM_SPI_HOST, &device, &s_dac) != ESP_OK) {
            return -1;
        }
    }
    return 0;
}

int rmm_platform_channels(void)
{
    return 1;
}

int rmm_platform_start_timer(uint32_t period_us)
{
    if (init_converters() != 0) {
        return -1;
    }
    return rmm_esp_idf_start_loop(period_us, tskNO_AFFINITY);   /* one core */
}

void rmm_platform_stop_timer(void)
{
    rmm_esp_idf_stop_loop();
}

int32_t rmm_platform_read_input_code(int channel)
{
    int raw = 0;
    (void)channel;
    adc_oneshot_read(s_adc, RMM_ADC_CHANNEL, &raw);
    return raw;
}

void rmm_platform_write_output_code(int channel, int32_t code)
{
    uint16_t word;
    spi_transaction_t transaction = { .length = 16 };
    (void)channel;
    if (s_dac == NULL) {
        return;
    }
    word = (uint16_t)(MCP4922_CHANNEL_A_COMMAND | ((uint32_t)code & 0x0FFFu));
    /* The MCP4922 takes the word most significant byte first. */
    transaction.tx_data[0] = (uint8_t)(word >> 8);
    transaction.tx_data[1] = (uint8_t)word;
    transaction.flags = SPI_TRANS_USE_TXDATA;
    spi_device_polling_transmit(s_dac, &transaction);
}

uint32_t rmm_platform_micros(void)
{
    return (uint32_t)esp_timer_get_time();
}
