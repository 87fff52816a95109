/*
 * rmm_model.h - the RmmEdge .rmmq model in C: status codes, the validated model, the kernel state,
 * and the two public functions (rmm_load in rmm_load.c, rmm_step in rmm_step.c). The twin of
 * shared-model/Format/RmmqReader.cs and shared-model/Kernel/StepKernel.cs. C99, no heap: the model
 * and the state live where the caller puts them.
 *
 * Version 1, 2026-11-21; reads format versions 1 and 2 (banks driven by spike activity), 2026-11-22.
 */
#ifndef RMM_MODEL_H
#define RMM_MODEL_H

#include <stdint.h>
#include "rmm_fixed.h"

#define RMM_MAX_NEURONS 16
#define RMM_MAX_CURRENTS 64
#define RMM_MAX_LAYERS 256
#define RMM_MAX_STATES 4096
#define RMM_MAX_WIDTH 4096

/* Same numbers as shared-model/Format/RmmqFormat.cs, enum ModelStatus. */
typedef enum {
    RMM_OK = 0,
    RMM_TOO_SHORT = 1,
    RMM_BAD_MAGIC = 2,
    RMM_UNSUPPORTED_VERSION = 3,
    RMM_BAD_HEADER = 4,
    RMM_SIZE_MISMATCH = 5,
    RMM_BAD_CRC = 6,
    RMM_BAD_COUNT = 7,
    RMM_BAD_DIRECTORY = 8,
    RMM_MISSING_SECTION = 9,
    RMM_BAD_SECTION_LENGTH = 10,
    RMM_BAD_INDEX = 11,
    RMM_BAD_VALUE = 12,
    RMM_BAD_LAYER_CHAIN = 13,
    RMM_BAD_TABLE = 14,
    RMM_ARENA_TOO_SMALL = 100,
    RMM_BAD_ALIGNMENT = 101   /* the file buffer is not 4-byte aligned (a caller error, not a file defect) */
} rmm_status;

/* A validated model. Arrays of fields are decoded; weights, layer parameters and the table are read
 * from the caller's file buffer, which must outlive the model. */
typedef struct {
    const uint8_t *file;
    int32_t version;
    int32_t dt_ns;
    int32_t neuron_count, current_count, layer_count, state_count, weight_bits, max_width, arena_bytes;

    uint8_t external[RMM_MAX_NEURONS];
    int32_t step_gain[RMM_MAX_NEURONS], leak_g[RMM_MAX_NEURONS], leak_e[RMM_MAX_NEURONS];
    int32_t v_min[RMM_MAX_NEURONS], v_max[RMM_MAX_NEURONS];

    uint8_t owner[RMM_MAX_CURRENTS], source[RMM_MAX_CURRENTS], kind[RMM_MAX_CURRENTS], bank_kind[RMM_MAX_CURRENTS];
    uint8_t uses_v[RMM_MAX_CURRENTS], layers_a[RMM_MAX_CURRENTS], layers_b[RMM_MAX_CURRENTS];
    uint16_t bank_size[RMM_MAX_CURRENTS], first_a[RMM_MAX_CURRENTS], first_b[RMM_MAX_CURRENTS];
    int32_t bank_index[RMM_MAX_CURRENTS], norm_index[RMM_MAX_CURRENTS];
    int32_t conductance[RMM_MAX_CURRENTS], reversal[RMM_MAX_CURRENTS];
    /* Bank input (0 voltage, 1 spike activity) and, for activity, threshold (Q15.16 mV), multiplier and shift. */
    uint8_t bank_input[RMM_MAX_CURRENTS], activity_shift[RMM_MAX_CURRENTS];
    uint16_t activity_mult[RMM_MAX_CURRENTS];
    int32_t activity_center[RMM_MAX_CURRENTS];

    uint16_t layer_in[RMM_MAX_LAYERS], layer_out[RMM_MAX_LAYERS];
    uint8_t layer_act[RMM_MAX_LAYERS];
    int32_t layer_weight[RMM_MAX_LAYERS], layer_param[RMM_MAX_LAYERS];

    const uint8_t *banks;     /* state_count x (int32 lambda, int32 gain) */
    const uint8_t *norms;     /* entries x (int32 center, uint16 multiplier, uint8 shift, pad) */
    const uint8_t *weights;   /* int8 or int16 */
    const uint8_t *params;    /* entries x (int64 bias, uint16 multiplier, uint8 shift, pad) */
    int16_t table[RMM_TABLE_ENTRIES];
} rmm_model;

/* Kernel state in a caller-owned int32 arena of model->arena_bytes bytes (rmm_state_init lays it out). */
typedef struct {
    int32_t *v, *v_next, *current_into, *states, *psi;
    int16_t *z, *buf_a, *buf_b;   /* Q0.15 activations: every value is within ±32767 */
} rmm_state;

/*
 * rmm_load - validates an .rmmq file and fills *model. The buffer must be 4-byte aligned. Every count, size, offset and index is
 * checked against the buffer first; no file can make rmm_step read or write out of bounds.
 *   file    [in]  the file bytes (kept referenced by the model)
 *   length  [in]  their number
 *   model   [out] the validated model
 *   offset  [out] byte offset of the offending field when the status is not RMM_OK (may be NULL)
 * Returns RMM_OK or the reason for rejection.
 */
rmm_status rmm_load(const uint8_t *file, uint32_t length, rmm_model *model, int32_t *offset);

/*
 * rmm_state_init - lays the kernel state out in a caller-owned arena and resets it to v0.
 *   arena        [in]  at least model->arena_bytes bytes, 4-byte aligned
 *   v0           [in]  neuron_count voltages, Q15.16 mV
 */
rmm_status rmm_state_init(const rmm_model *model, int32_t *arena, uint32_t arena_bytes, const int32_t *v0, rmm_state *state);

/*
 * rmm_step - one fixed step of the model (see StepKernel.cs for the order of operations).
 *   injected [in] neuron_count currents, Q15.16 nA
 *   measured [in] neuron_count voltages, Q15.16 mV (read for external neurons only)
 * Allocation-free, no checks beyond what rmm_load guaranteed.
 */
void rmm_step(const rmm_model *model, rmm_state *state, const int32_t *injected, const int32_t *measured);

/* CRC-32 (IEEE 802.3 / zlib) of the file with its CRC field taken as zero. */
uint32_t rmm_file_crc(const uint8_t *file, uint32_t length);

#endif /* RMM_MODEL_H */
