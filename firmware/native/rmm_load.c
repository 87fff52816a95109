/*
 * rmm_load.c - validates an .rmmq file: the twin of shared-model/Format/RmmqReader.cs, check for
 * check and in the same order, so both return the same status for the same bytes.
 * Version 1, 2026-11-21.
 */
#include "rmm_model.h"
#include "rmm_layout.h"

#define MAX_LAYER_INPUTS 4096
#define MAX_BANK_SIZE 256

static uint32_t u32(const uint8_t *b) { return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24); }
static int32_t i32(const uint8_t *b) { return (int32_t)u32(b); }
static int32_t u16(const uint8_t *b) { return (int32_t)b[0] | ((int32_t)b[1] << 8); }

static uint32_t crc_update(uint32_t crc, const uint8_t *data, uint32_t count)
{
    uint32_t i;
    int k;
    for (i = 0; i < count; i++) {
        crc ^= data[i];
        for (k = 0; k < 8; k++) {
            crc = (crc & 1u) ? 0xEDB88320u ^ (crc >> 1) : crc >> 1;
        }
    }
    return crc;
}

uint32_t rmm_file_crc(const uint8_t *file, uint32_t length)
{
    static const uint8_t zero[4] = {0, 0, 0, 0};
    uint32_t crc = crc_update(0xFFFFFFFFu, file, RMMQ_OFFSET_CRC);
    crc = crc_update(crc, zero, 4);
    crc = crc_update(crc, file + RMMQ_OFFSET_CRC + 4, length - RMMQ_OFFSET_CRC - 4);
    return crc ^ 0xFFFFFFFFu;
}

#define FAIL(status, at) do { if (offset) { *offset = (int32_t)(at); } return (status); } while (0)

static rmm_status check_chain(const rmm_model *m, int first, int count, int inputs, int at, int32_t *offset)
{
    int l, width = inputs;
    if (count < 1 || first >= m->layer_count || count > m->layer_count - first) {
        FAIL(RMM_BAD_INDEX, at);
    }
    for (l = first; l < first + count; l++) {
        int last = l == first + count - 1;
        if (m->layer_in[l] != width) {
            FAIL(RMM_BAD_LAYER_CHAIN, at);
        }
        if (last != (m->layer_act[l] == 0)) {
            FAIL(RMM_BAD_LAYER_CHAIN, at);
        }
        width = m->layer_out[l];
    }
    if (width != 1) {
        FAIL(RMM_BAD_LAYER_CHAIN, at);
    }
    return RMM_OK;
}

rmm_status rmm_load(const uint8_t *f, uint32_t length, rmm_model *m, int32_t *offset)
{
    int32_t section_offset[9], section_length[9];
    int section_count, directory_end, e, s, i, r;
    int total_weights, total_params, weight_bytes, norm_entries, states, max_width;
    int64_t macs;
    rmm_status status;

    if (f == 0 || length < RMMQ_HEADER_SIZE) FAIL(RMM_TOO_SHORT, 0);
    if (((uintptr_t)f & 3u) != 0) return RMM_BAD_ALIGNMENT;   /* the kernel reads 16/32-bit fields in place */
    if (u32(f + RMMQ_OFFSET_MAGIC) != 0x514D4D52u) FAIL(RMM_BAD_MAGIC, RMMQ_OFFSET_MAGIC);
    if (u16(f + RMMQ_OFFSET_VERSION) < 1 || u16(f + RMMQ_OFFSET_VERSION) > 2) FAIL(RMM_UNSUPPORTED_VERSION, RMMQ_OFFSET_VERSION);
    if (u16(f + RMMQ_OFFSET_HEADER_SIZE) != RMMQ_HEADER_SIZE) FAIL(RMM_BAD_HEADER, RMMQ_OFFSET_HEADER_SIZE);
    if (u32(f + RMMQ_OFFSET_FILE_SIZE) != length) FAIL(RMM_SIZE_MISMATCH, RMMQ_OFFSET_FILE_SIZE);
    if (rmm_file_crc(f, length) != u32(f + RMMQ_OFFSET_CRC)) FAIL(RMM_BAD_CRC, RMMQ_OFFSET_CRC);

    m->file = f;
    m->version = u16(f + RMMQ_OFFSET_VERSION);
    m->dt_ns = i32(f + RMMQ_OFFSET_DT_NS);
    m->neuron_count = f[RMMQ_OFFSET_NEURON_COUNT];
    m->current_count = f[RMMQ_OFFSET_CURRENT_COUNT];
    m->weight_bits = f[RMMQ_OFFSET_WEIGHT_BITS];
    section_count = f[RMMQ_OFFSET_SECTION_COUNT];
    m->layer_count = u16(f + RMMQ_OFFSET_LAYER_COUNT);
    m->state_count = u16(f + RMMQ_OFFSET_STATE_COUNT);
    m->arena_bytes = i32(f + RMMQ_OFFSET_ARENA_BYTES);
    if (m->dt_ns <= 0) FAIL(RMM_BAD_VALUE, RMMQ_OFFSET_DT_NS);
    if (m->neuron_count < 1 || m->neuron_count > RMM_MAX_NEURONS) FAIL(RMM_BAD_COUNT, RMMQ_OFFSET_NEURON_COUNT);
    if (m->current_count > RMM_MAX_CURRENTS) FAIL(RMM_BAD_COUNT, RMMQ_OFFSET_CURRENT_COUNT);
    if (m->weight_bits != 8 && m->weight_bits != 16) FAIL(RMM_BAD_VALUE, RMMQ_OFFSET_WEIGHT_BITS);
    if (m->layer_count > RMM_MAX_LAYERS || (m->current_count > 0 && m->layer_count < 1)) FAIL(RMM_BAD_COUNT, RMMQ_OFFSET_LAYER_COUNT);
    if (m->state_count > RMM_MAX_STATES) FAIL(RMM_BAD_COUNT, RMMQ_OFFSET_STATE_COUNT);
    for (r = RMMQ_OFFSET_RESERVED; r < RMMQ_HEADER_SIZE; r++) {
        if (f[r] != 0) FAIL(RMM_BAD_HEADER, r);
    }

    directory_end = RMMQ_HEADER_SIZE + section_count * RMMQ_DIRECTORY_ENTRY_SIZE;
    if (section_count < 1 || (uint32_t)directory_end > length) FAIL(RMM_BAD_DIRECTORY, RMMQ_OFFSET_SECTION_COUNT);
    for (s = 0; s < 9; s++) {
        section_offset[s] = -1;
        section_length[s] = 0;
    }
    for (e = 0; e < section_count; e++) {
        int at = RMMQ_HEADER_SIZE + e * RMMQ_DIRECTORY_ENTRY_SIZE;
        int id = u16(f + at + RMMQ_ENTRY_ID), flags = u16(f + at + RMMQ_ENTRY_FLAGS);
        uint32_t so = u32(f + at + RMMQ_ENTRY_OFFSET), sl = u32(f + at + RMMQ_ENTRY_LENGTH);
        if (so < (uint32_t)directory_end || so > length || sl > length - so || so % RMMQ_SECTION_ALIGNMENT != 0) FAIL(RMM_BAD_DIRECTORY, at);
        if (id >= 1 && id <= 8) {
            if (section_offset[id] >= 0) FAIL(RMM_BAD_DIRECTORY, at);
            section_offset[id] = (int32_t)so;
            section_length[id] = (int32_t)sl;
        } else if ((flags & 1) == 0) {
            FAIL(RMM_BAD_DIRECTORY, at);
        }
    }
    for (s = 1; s <= 8; s++) {
        if (section_offset[s] < 0) FAIL(RMM_MISSING_SECTION, RMMQ_HEADER_SIZE);
    }
    if (section_length[1] != m->neuron_count * RMMQ_NEURON_RECORD_SIZE) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[1]);
    if (section_length[2] != m->current_count * RMMQ_CURRENT_RECORD_SIZE) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[2]);
    if (section_length[5] != m->layer_count * RMMQ_LAYER_RECORD_SIZE) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[5]);
    if (section_length[3] != m->state_count * RMMQ_BANK_ENTRY_SIZE) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[3]);
    if (section_length[8] != RMM_TABLE_ENTRIES * RMMQ_TABLE_ENTRY_SIZE) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[8]);

    /* Neurons. */
    for (i = 0; i < m->neuron_count; i++) {
        const uint8_t *p = f + section_offset[1] + i * RMMQ_NEURON_RECORD_SIZE;
        const uint8_t *external = p + RMMQ_NEURON_EXTERNAL;
        r = section_offset[1] + i * RMMQ_NEURON_RECORD_SIZE;
        if (external[0] > 1 || external[1] != 0 || external[2] != 0 || external[3] != 0) FAIL(RMM_BAD_VALUE, r + RMMQ_NEURON_EXTERNAL);
        m->external[i] = external[0];
        m->step_gain[i] = i32(p + RMMQ_NEURON_STEP_GAIN);
        m->leak_g[i] = i32(p + RMMQ_NEURON_LEAK_CONDUCTANCE);
        m->leak_e[i] = i32(p + RMMQ_NEURON_LEAK_REVERSAL);
        m->v_min[i] = i32(p + RMMQ_NEURON_VOLTAGE_MIN);
        m->v_max[i] = i32(p + RMMQ_NEURON_VOLTAGE_MAX);
        if (m->step_gain[i] < 0 || m->step_gain[i] > RMM_GAIN_MAX || m->leak_g[i] < 0 || m->leak_g[i] > RMM_GAIN_MAX) FAIL(RMM_BAD_VALUE, r + RMMQ_NEURON_STEP_GAIN);
        if (m->v_min[i] >= m->v_max[i]) FAIL(RMM_BAD_VALUE, r + RMMQ_NEURON_VOLTAGE_MIN);
    }

    /* Layers, weights and layer parameters. */
    weight_bytes = m->weight_bits / 8;
    total_weights = section_length[6] / weight_bytes;
    total_params = section_length[7] / RMMQ_PARAM_ENTRY_SIZE;
    if (total_weights * weight_bytes != section_length[6]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[6]);
    if (total_params * RMMQ_PARAM_ENTRY_SIZE != section_length[7]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[7]);
    max_width = 1;
    macs = 0;
    for (i = 0; i < m->layer_count; i++) {
        const uint8_t *p = f + section_offset[5] + i * RMMQ_LAYER_RECORD_SIZE;
        int in_size = u16(p + RMMQ_LAYER_IN), out_size = u16(p + RMMQ_LAYER_OUT), act = p[RMMQ_LAYER_ACTIVATION];
        uint32_t wi = u32(p + RMMQ_LAYER_WEIGHT_INDEX), pi = u32(p + RMMQ_LAYER_PARAM_INDEX);
        r = section_offset[5] + i * RMMQ_LAYER_RECORD_SIZE;
        if (in_size < 1 || in_size > MAX_LAYER_INPUTS || out_size < 1 || out_size > MAX_LAYER_INPUTS) FAIL(RMM_BAD_COUNT, r + RMMQ_LAYER_IN);
        if (act > 2 || p[RMMQ_LAYER_PAD] != 0 || u16(p + RMMQ_LAYER_PAD + 1) != 0) FAIL(RMM_BAD_VALUE, r + RMMQ_LAYER_ACTIVATION);
        if (wi > (uint32_t)total_weights || (int64_t)in_size * out_size > (int64_t)total_weights - (int64_t)wi) FAIL(RMM_BAD_INDEX, r + RMMQ_LAYER_WEIGHT_INDEX);
        if (pi > (uint32_t)total_params || (int64_t)out_size > (int64_t)total_params - (int64_t)pi) FAIL(RMM_BAD_INDEX, r + RMMQ_LAYER_PARAM_INDEX);
        m->layer_in[i] = (uint16_t)in_size;
        m->layer_out[i] = (uint16_t)out_size;
        m->layer_act[i] = (uint8_t)act;
        m->layer_weight[i] = (int32_t)wi;
        m->layer_param[i] = (int32_t)pi;
        if (in_size > max_width) max_width = in_size;
        if (out_size > max_width) max_width = out_size;
        macs += (int64_t)in_size * out_size;
    }
    m->max_width = max_width;
    if (macs != (int64_t)i32(f + RMMQ_OFFSET_MACS_PER_STEP)) FAIL(RMM_BAD_VALUE, RMMQ_OFFSET_MACS_PER_STEP);
    m->weights = f + section_offset[6];
    /* int16 weights are symmetric (−32767…32767): the kernel adds two weight × value products in 32
       bits, which −32768 × −32768 twice would overflow. */
    if (m->weight_bits == 16) {
        for (i = 0; i < total_weights; i++) {
            if (u16(m->weights + 2 * i) == 0x8000) FAIL(RMM_BAD_VALUE, section_offset[6] + 2 * i);
        }
    }
    m->params = f + section_offset[7];
    for (i = 0; i < total_params; i++) {
        const uint8_t *p = m->params + i * RMMQ_PARAM_ENTRY_SIZE;
        int64_t bias = (int64_t)u32(p + RMMQ_PARAM_BIAS) | ((int64_t)i32(p + RMMQ_PARAM_BIAS + 4) * 4294967296LL);
        int multiplier = u16(p + RMMQ_PARAM_MULTIPLIER), shift = p[RMMQ_PARAM_SHIFT];
        r = section_offset[7] + i * RMMQ_PARAM_ENTRY_SIZE;
        if (bias > RMM_BIAS_MAX || bias < -RMM_BIAS_MAX) FAIL(RMM_BAD_VALUE, r + RMMQ_PARAM_BIAS);
        if (multiplier < RMM_MULTIPLIER_MIN || multiplier > RMM_MULTIPLIER_MAX) FAIL(RMM_BAD_VALUE, r + RMMQ_PARAM_MULTIPLIER);
        if (shift > RMM_SHIFT_MAX || p[RMMQ_PARAM_PAD] != 0) FAIL(RMM_BAD_VALUE, r + RMMQ_PARAM_SHIFT);
    }

    /* Currents and normalisation. */
    norm_entries = section_length[4] / RMMQ_NORM_ENTRY_SIZE;
    if (norm_entries * RMMQ_NORM_ENTRY_SIZE != section_length[4]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[4]);
    states = 0;
    for (i = 0; i < m->current_count; i++) {
        const uint8_t *p = f + section_offset[2] + i * RMMQ_CURRENT_RECORD_SIZE;
        int owner = p[RMMQ_CURRENT_OWNER], source = p[RMMQ_CURRENT_SOURCE], kind = p[RMMQ_CURRENT_KIND], bank_kind = p[RMMQ_CURRENT_BANK_KIND];
        int bank_size = u16(p + RMMQ_CURRENT_BANK_SIZE), uses_v = p[RMMQ_CURRENT_USES_VOLTAGE], bank_input = p[RMMQ_CURRENT_BANK_INPUT];
        int activity_mult = u16(p + RMMQ_CURRENT_ACTIVITY_MULTIPLIER), activity_shift = p[RMMQ_CURRENT_ACTIVITY_SHIFT];
        int first_a = u16(p + RMMQ_CURRENT_FIRST_LAYER_A), layers_a = p[RMMQ_CURRENT_LAYERS_A];
        int first_b = u16(p + RMMQ_CURRENT_FIRST_LAYER_B), layers_b = p[RMMQ_CURRENT_LAYERS_B];
        uint32_t bank_index = u32(p + RMMQ_CURRENT_BANK_INDEX), norm_index = u32(p + RMMQ_CURRENT_NORM_INDEX);
        int inputs;
        r = section_offset[2] + i * RMMQ_CURRENT_RECORD_SIZE;
        if (owner >= m->neuron_count || source >= m->neuron_count) FAIL(RMM_BAD_INDEX, r + RMMQ_CURRENT_OWNER);
        /* Version 1 has no bank inputs: the bank-input byte and the activity fields are reserved (zero) there. */
        if (kind > 1 || bank_kind > 1 || uses_v > 1 || bank_input > (m->version >= 2 ? 1 : 0) || p[RMMQ_CURRENT_PAD_A] != 0 || p[RMMQ_CURRENT_PAD_B] != 0
            || (bank_input == 0 && (i32(p + RMMQ_CURRENT_ACTIVITY_CENTER) != 0 || i32(p + RMMQ_CURRENT_ACTIVITY_MULTIPLIER) != 0))) FAIL(RMM_BAD_VALUE, r + RMMQ_CURRENT_KIND);
        if (bank_input == 1 && (activity_mult < RMM_MULTIPLIER_MIN || activity_mult > RMM_MULTIPLIER_MAX
            || activity_shift > RMM_SHIFT_MAX || p[RMMQ_CURRENT_ACTIVITY_PAD] != 0)) FAIL(RMM_BAD_VALUE, r + RMMQ_CURRENT_ACTIVITY_MULTIPLIER);
        if (kind == 1 && uses_v != 0) FAIL(RMM_BAD_VALUE, r + RMMQ_CURRENT_USES_VOLTAGE);
        if (bank_size < 1 || bank_size > MAX_BANK_SIZE) FAIL(RMM_BAD_COUNT, r + RMMQ_CURRENT_BANK_SIZE);
        if (bank_index != (uint32_t)states || bank_size > m->state_count - states) FAIL(RMM_BAD_INDEX, r + RMMQ_CURRENT_BANK_INDEX);
        inputs = bank_size + uses_v;
        if (norm_index > (uint32_t)norm_entries || (int64_t)inputs > (int64_t)norm_entries - (int64_t)norm_index) FAIL(RMM_BAD_INDEX, r + RMMQ_CURRENT_NORM_INDEX);
        status = check_chain(m, first_a, layers_a, inputs, r + RMMQ_CURRENT_FIRST_LAYER_A, offset);
        if (status != RMM_OK) return status;
        if (kind == 1 && layers_b > 0) {
            status = check_chain(m, first_b, layers_b, inputs, r + RMMQ_CURRENT_FIRST_LAYER_B, offset);
            if (status != RMM_OK) return status;
        } else if (layers_b != 0 || first_b != 0) {
            FAIL(RMM_BAD_LAYER_CHAIN, r + RMMQ_CURRENT_FIRST_LAYER_B);
        }
        m->owner[i] = (uint8_t)owner;
        m->source[i] = (uint8_t)source;
        m->kind[i] = (uint8_t)kind;
        m->bank_kind[i] = (uint8_t)bank_kind;
        m->bank_size[i] = (uint16_t)bank_size;
        m->uses_v[i] = (uint8_t)uses_v;
        m->first_a[i] = (uint16_t)first_a;
        m->layers_a[i] = (uint8_t)layers_a;
        m->first_b[i] = (uint16_t)first_b;
        m->layers_b[i] = (uint8_t)layers_b;
        m->bank_index[i] = (int32_t)bank_index;
        m->norm_index[i] = (int32_t)norm_index;
        m->conductance[i] = i32(p + RMMQ_CURRENT_CONDUCTANCE);
        m->reversal[i] = i32(p + RMMQ_CURRENT_REVERSAL);
        m->bank_input[i] = (uint8_t)bank_input;
        m->activity_center[i] = i32(p + RMMQ_CURRENT_ACTIVITY_CENTER);
        m->activity_mult[i] = (uint16_t)activity_mult;
        m->activity_shift[i] = (uint8_t)activity_shift;
        if (m->conductance[i] < 0) FAIL(RMM_BAD_VALUE, r + RMMQ_CURRENT_CONDUCTANCE);
        states += bank_size;
    }
    if (states != m->state_count) FAIL(RMM_BAD_COUNT, RMMQ_OFFSET_STATE_COUNT);
    m->norms = f + section_offset[4];
    for (i = 0; i < norm_entries; i++) {
        const uint8_t *p = m->norms + i * RMMQ_NORM_ENTRY_SIZE;
        int multiplier = u16(p + RMMQ_NORM_MULTIPLIER), shift = p[RMMQ_NORM_SHIFT];
        if (multiplier < RMM_MULTIPLIER_MIN || multiplier > RMM_MULTIPLIER_MAX || shift > RMM_SHIFT_MAX || p[RMMQ_NORM_PAD] != 0) {
            FAIL(RMM_BAD_VALUE, section_offset[4] + i * RMMQ_NORM_ENTRY_SIZE + RMMQ_NORM_MULTIPLIER);
        }
    }

    /* Banks. */
    m->banks = f + section_offset[3];
    for (i = 0; i < m->state_count; i++) {
        int32_t lambda = i32(m->banks + i * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_LAMBDA), gain = i32(m->banks + i * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_GAIN);
        if (lambda < 0 || lambda >= (1 << RMM_COEFFICIENT_BITS) || gain < 0 || gain > (1 << RMM_COEFFICIENT_BITS)) {
            FAIL(RMM_BAD_VALUE, section_offset[3] + i * RMMQ_BANK_ENTRY_SIZE + RMMQ_BANK_LAMBDA);
        }
    }

    /* Activation table. */
    for (i = 0; i < RMM_TABLE_ENTRIES; i++) {
        m->table[i] = (int16_t)u16(f + section_offset[8] + RMMQ_TABLE_ENTRY_SIZE * i);
        if (m->table[i] < -RMM_UNIT_MAX || (i > 0 && m->table[i] < m->table[i - 1])) FAIL(RMM_BAD_TABLE, section_offset[8] + RMMQ_TABLE_ENTRY_SIZE * i);
    }

    if (m->arena_bytes != RMMQ_ARENA_BYTES(m->neuron_count, m->state_count, m->current_count, m->max_width)) FAIL(RMM_BAD_VALUE, RMMQ_OFFSET_ARENA_BYTES);
    return RMM_OK;
}
