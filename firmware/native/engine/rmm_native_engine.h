/*
 * rmm_native_engine.h - the native loop engine: a hardware timer fires every period, and a tick runs
 * input -> rmm_loop_step -> output. Portable: the board-specific parts (timer, converters, clock) are
 * the rmm_platform_* hooks implemented per target in ../targets/. The C# side (firmware/Engine/
 * NativeEngine.cs) reaches this through the nanoFramework interop stubs in ../interop/.
 *
 * Overruns: a tick that finds the previous one still running, or that ends after the next is due,
 * counts one overrun; a streak of them stops the loop with the output at zero, as the managed engine.
 * C99, no heap: the model and the kernel arena live in static buffers sized at build time.
 *
 * Version 1, 2026-11-22.
 */
#ifndef RMM_NATIVE_ENGINE_H
#define RMM_NATIVE_ENGINE_H

#include <stdint.h>
#include "../rmm_loop.h"

#ifndef RMM_NATIVE_MODEL_BYTES
#define RMM_NATIVE_MODEL_BYTES (64 * 1024)
#endif
#ifndef RMM_NATIVE_ARENA_BYTES
#define RMM_NATIVE_ARENA_BYTES (16 * 1024)
#endif

#define RMM_STATE_IDLE 0
#define RMM_STATE_RUNNING 1
#define RMM_STATE_STOPPED 2

/*
 * Converter calibration (from the board profile's front-end preset, sent by the host):
 *   input  Q15.16 = ((code * input_gain) >> 8) + input_offset      input_gain: units per code, Q8.24
 *   output code   = ((value - output_offset) * output_gain + 2^31) >> 32   output_gain: codes per unit, Q16.16 (rounded)
 * Output codes are clipped to [0, output_max_code] before the DAC sees them (the ESP32 driver would wrap).
 */
typedef struct {
    int32_t input_gain, input_offset;
    int32_t output_gain, output_offset;
    int32_t output_max_code;
} rmm_calibration;

/* The 28-byte loop status of the wire protocol (LoopStatus), filled by rmm_native_status. */
typedef struct {
    uint32_t step, overruns;
    int32_t input, output;
    uint16_t cycle_us, max_cycle_us;
    uint8_t state, reason;
} rmm_native_status_t;

/* Board hooks (../targets/<board>/). */
int rmm_platform_start_timer(uint32_t period_us);   /* calls rmm_native_tick() every period from a high-priority context */
void rmm_platform_stop_timer(void);
int rmm_platform_channels(void);                    /* converter channel pairs wired: 1 or 2 */
int32_t rmm_platform_read_input_code(int channel);
void rmm_platform_write_output_code(int channel, int32_t code);
uint32_t rmm_platform_micros(void);

/* Copies and validates a model (RMM_OK or the loader's status). Refused while running. */
int rmm_native_load(const uint8_t *file, uint32_t length);
void rmm_native_calibrate(const rmm_calibration *calibration);
/* Decodes a Start payload, checks it against the model and the wired channels, resets the loop and
 * starts the timer; 0 or -1. Both channels share the calibration. */
int rmm_native_start(const uint8_t *config, uint32_t length);
void rmm_native_stop(void);
void rmm_native_status(rmm_native_status_t *status);
/* Copies the loop-start lateness histogram (bins as WireFormat.JitterBins: <1 us, [2^(k-1), 2^k) us, ...). */
#define RMM_JITTER_BINS 16
void rmm_native_jitter(uint32_t *bins, uint32_t count);
/* One loop tick (the timer's context). */
void rmm_native_tick(void);

#endif /* RMM_NATIVE_ENGINE_H */
