/*
 * rmm_esp_idf_loop.h - the timed loop shared by the ESP-IDF targets (esp32/, esp32c3/): a general-purpose
 * timer interrupts every period and wakes a task of the highest priority, which runs one engine tick
 * (the ADC one-shot, DAC and SPI drivers must not be called from an ISR).
 *
 * Not built on our machines (no ESP-IDF); part of the custom image described in ../../README.md.
 */
#ifndef RMM_ESP_IDF_LOOP_H
#define RMM_ESP_IDF_LOOP_H
#include <stdint.h>
#include "freertos/FreeRTOS.h"

/* Starts the timer at period_us and the loop task, pinned to core (tskNO_AFFINITY on a single-core
   chip); 0 on success, -1 on failure. */
int rmm_esp_idf_start_loop(uint32_t period_us, BaseType_t core);

/* Stops and deletes the timer; the task waits, idle, for the next start. */
void rmm_esp_idf_stop_loop(void);

#endif
