/*
 * rmm_loop.h - one closed-loop step in C: the twin of firmware/Engine/LoopCore.cs (same modes, same
 * clipping, same electrode-loss rule, bit-identical outputs), for the native engine, where a hardware
 * timer drives the loop (interop/ and targets/). The run configuration arrives as the 34-byte Start
 * payload of the wire protocol (shared-model/Protocol/wire-protocol.md), decoded here with the same
 * checks as RunConfiguration.Decode. C99, no heap.
 *
 * Version 1, 2026-11-22.
 */
#ifndef RMM_LOOP_H
#define RMM_LOOP_H

#include <stdint.h>
#include "rmm_model.h"

#define RMM_MODE_EMULATOR 1
#define RMM_MODE_DYNAMIC_CLAMP 2
#define RMM_MODE_HYBRID 3

#define RMM_STOP_NONE 0
#define RMM_STOP_REQUESTED 1
#define RMM_STOP_ELECTRODE_LOSS 2
#define RMM_STOP_OVERRUN_STREAK 3
#define RMM_STOP_FAULT 4

#define RMM_RUN_CONFIG_SIZE 34
#define RMM_MAX_CHANNELS 2

typedef struct {
    uint8_t mode, engine, measured_neuron, output_neuron;
    uint8_t channels;                                         /* 1 or 2 (a payload's 0 reads as 1) */
    uint8_t measured_neuron2, output_neuron2;                 /* the second channel's neurons */
    uint32_t period_us;
    int32_t current_min, current_max, valid_min, valid_max;   /* Q15.16 nA, Q15.16 mV */
    uint16_t electrode_loss_ms, overrun_streak, telemetry_every;
} rmm_run_config;

typedef struct rmm_loop rmm_loop;

/*
 * A loop mode, the twin of firmware/Engine/LoopModes.cs: one step between the channels' inputs and
 * their outputs. Returns 1 to go on, 0 when a safety rule stops the loop (outputs zero, stop_reason set).
 * rmm_loop_init picks the neuron emulator or the clamp (dynamic clamp and hybrid circuit) by the run's mode.
 */
typedef struct {
    int (*step)(rmm_loop *loop, const int32_t *inputs, int32_t *outputs);
} rmm_loop_mode;

struct rmm_loop {
    const rmm_model *model;
    rmm_state *state;
    rmm_run_config config;
    const rmm_loop_mode *mode;
    int32_t loss_steps, out_of_range[RMM_MAX_CHANNELS];
    int32_t injected[RMM_MAX_NEURONS], measured[RMM_MAX_NEURONS];
    int32_t input[RMM_MAX_CHANNELS], output[RMM_MAX_CHANNELS];   /* last values per channel */
    uint8_t stop_reason;
};

/* Decodes a Start payload; returns 0 and fills *config, or -1 when it is malformed or inconsistent. */
int rmm_run_config_decode(const uint8_t *payload, uint32_t length, rmm_run_config *config);

/* Whether a configuration fits a model (LoopCore.Check): 0 if it does, else -1. */
int rmm_loop_check(const rmm_model *model, const rmm_run_config *config);

/* Resets the model state (all voltages -60 mV) and the safety counters. */
rmm_status rmm_loop_init(rmm_loop *loop, const rmm_model *model, rmm_state *state, int32_t *arena, uint32_t arena_bytes,
                         const rmm_run_config *config);

/*
 * One step: inputs[c] is channel c's measured signal in Q15.16 (membrane mV in the clamp modes, command
 * nA in the emulator mode); outputs[c] receives what goes out (Q15.16 nA or mV), for c < channels.
 * Returns 1 to go on, 0 when a safety rule stopped the loop (every output is then 0,
 * loop->stop_reason says why).
 */
int rmm_loop_step(rmm_loop *loop, const int32_t *inputs, int32_t *outputs);

#endif /* RMM_LOOP_H */
