/*
 * rmm_esp_idf_loop.c - see rmm_esp_idf_loop.h. The task and the ISR sit in IRAM (IRAM_ATTR), so a tick
 * never waits on the flash cache.
 */
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "driver/gptimer.h"
#include "esp_attr.h"
#include "rmm_esp_idf_loop.h"
#include "../../engine/rmm_native_engine.h"

static gptimer_handle_t s_timer;
static TaskHandle_t s_task;

static bool IRAM_ATTR on_alarm(gptimer_handle_t timer, const gptimer_alarm_event_data_t *event, void *context)
{
    BaseType_t woken = pdFALSE;
    (void)timer; (void)event; (void)context;
    vTaskNotifyGiveFromISR(s_task, &woken);
    return woken == pdTRUE;
}

static void IRAM_ATTR loop_task(void *argument)
{
    (void)argument;
    for (;;) {
        ulTaskNotifyTake(pdTRUE, portMAX_DELAY);
        rmm_native_tick();
    }
}

int rmm_esp_idf_start_loop(uint32_t period_us, BaseType_t core)
{
    gptimer_config_t config = { .clk_src = GPTIMER_CLK_SRC_DEFAULT, .direction = GPTIMER_COUNT_UP, .resolution_hz = 1000000 };
    gptimer_alarm_config_t alarm = { .alarm_count = period_us, .reload_count = 0, .flags.auto_reload_on_alarm = true };
    gptimer_event_callbacks_t callbacks = { .on_alarm = on_alarm };
    if (s_task == NULL && xTaskCreatePinnedToCore(loop_task, "rmm-loop", 4096, NULL, configMAX_PRIORITIES - 1, &s_task, core) != pdPASS) {
        return -1;
    }
    if (gptimer_new_timer(&config, &s_timer) != ESP_OK || gptimer_register_event_callbacks(s_timer, &callbacks, NULL) != ESP_OK
        || gptimer_set_alarm_action(s_timer, &alarm) != ESP_OK || gptimer_enable(s_timer) != ESP_OK || gptimer_start(s_timer) != ESP_OK) {
        return -1;
    }
    return 0;
}

void rmm_esp_idf_stop_loop(void)
{
    if (s_timer != NULL) {
        gptimer_stop(s_timer);
        gptimer_disable(s_timer);
        gptimer_del_timer(s_timer);
        s_timer = NULL;
    }
}
