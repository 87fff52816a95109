/*
 * rmm_load.c - validates an .rmmq file: the twin of shared-model/Format/RmmqReader.cs, check for
 * check and in the same order, so both return the same status for the same bytes.
 * Version 1, 2026-11-21.
 */
#include "rmm_model.h"

#define HEADER_SIZE 48
#define DIRECTORY_ENTRY 12
#define NEURON_RECORD 24
#define CURRENT_RECORD 40
#define LAYER_RECORD 16
#define BANK_ENTRY 8
#define NORM_ENTRY 8
#define PARAM_ENTRY 12
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
    uint32_t crc = crc_update(0xFFFFFFFFu, file, 12);
    crc = crc_update(crc, zero, 4);
    crc = crc_update(crc, file + 16, length - 16);
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

    if (f == 0 || length < HEADER_SIZE) FAIL(RMM_TOO_SHORT, 0);
    if (((uintptr_t)f & 3u) != 0) return RMM_BAD_ALIGNMENT;   /* the kernel reads 16/32-bit fields in place */
    if (u32(f) != 0x514D4D52u) FAIL(RMM_BAD_MAGIC, 0);
    if (u16(f + 4) < 1 || u16(f + 4) > 2) FAIL(RMM_UNSUPPORTED_VERSION, 4);
    if (u16(f + 6) != HEADER_SIZE) FAIL(RMM_BAD_HEADER, 6);
    if (u32(f + 8) != length) FAIL(RMM_SIZE_MISMATCH, 8);
    if (rmm_file_crc(f, length) != u32(f + 12)) FAIL(RMM_BAD_CRC, 12);

    m->file = f;
    m->version = u16(f + 4);
    m->dt_ns = i32(f + 16);
    m->neuron_count = f[20];
    m->current_count = f[21];
    m->weight_bits = f[22];
    section_count = f[23];
    m->layer_count = u16(f + 24);
    m->state_count = u16(f + 26);
    m->arena_bytes = i32(f + 28);
    if (m->dt_ns <= 0) FAIL(RMM_BAD_VALUE, 16);
    if (m->neuron_count < 1 || m->neuron_count > RMM_MAX_NEURONS) FAIL(RMM_BAD_COUNT, 20);
    if (m->current_count > RMM_MAX_CURRENTS) FAIL(RMM_BAD_COUNT, 21);
    if (m->weight_bits != 8 && m->weight_bits != 16) FAIL(RMM_BAD_VALUE, 22);
    if (m->layer_count > RMM_MAX_LAYERS || (m->current_count > 0 && m->layer_count < 1)) FAIL(RMM_BAD_COUNT, 24);
    if (m->state_count > RMM_MAX_STATES) FAIL(RMM_BAD_COUNT, 26);
    for (r = 40; r < HEADER_SIZE; r++) {
        if (f[r] != 0) FAIL(RMM_BAD_HEADER, r);
    }

    directory_end = HEADER_SIZE + section_count * DIRECTORY_ENTRY;
    if (section_count < 1 || (uint32_t)directory_end > length) FAIL(RMM_BAD_DIRECTORY, 23);
    for (s = 0; s < 9; s++) {
        section_offset[s] = -1;
        section_length[s] = 0;
    }
    for (e = 0; e < section_count; e++) {
        int at = HEADER_SIZE + e * DIRECTORY_ENTRY;
        int id = u16(f + at), flags = u16(f + at + 2);
        uint32_t so = u32(f + at + 4), sl = u32(f + at + 8);
        if (so < (uint32_t)directory_end || so > length || sl > length - so || (so & 3u) != 0) FAIL(RMM_BAD_DIRECTORY, at);
        if (id >= 1 && id <= 8) {
            if (section_offset[id] >= 0) FAIL(RMM_BAD_DIRECTORY, at);
            section_offset[id] = (int32_t)so;
            section_length[id] = (int32_t)sl;
        } else if ((flags & 1) == 0) {
            FAIL(RMM_BAD_DIRECTORY, at);
        }
    }
    for (s = 1; s <= 8; s++) {
        if (section_offset[s] < 0) FAIL(RMM_MISSING_SECTION, HEADER_SIZE);
    }
    if (section_length[1] != m->neuron_count * NEURON_RECORD) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[1]);
    if (section_length[2] != m->current_count * CURRENT_RECORD) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[2]);
    if (section_length[5] != m->layer_count * LAYER_RECORD) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[5]);
    if (section_length[3] != m->state_count * BANK_ENTRY) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[3]);
    if (section_length[8] != RMM_TABLE_ENTRIES * 2) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[8]);

    /* Neurons. */
    for (i = 0; i < m->neuron_count; i++) {
        const uint8_t *p = f + section_offset[1] + i * NEURON_RECORD;
        r = section_offset[1] + i * NEURON_RECORD;
        if (p[0] > 1 || p[1] != 0 || p[2] != 0 || p[3] != 0) FAIL(RMM_BAD_VALUE, r);
        m->external[i] = p[0];
        m->step_gain[i] = i32(p + 4);
        m->leak_g[i] = i32(p + 8);
        m->leak_e[i] = i32(p + 12);
        m->v_min[i] = i32(p + 16);
        m->v_max[i] = i32(p + 20);
        if (m->step_gain[i] < 0 || m->step_gain[i] > RMM_GAIN_MAX || m->leak_g[i] < 0 || m->leak_g[i] > RMM_GAIN_MAX) FAIL(RMM_BAD_VALUE, r + 4);
        if (m->v_min[i] >= m->v_max[i]) FAIL(RMM_BAD_VALUE, r + 16);
    }

    /* Layers, weights and layer parameters. */
    weight_bytes = m->weight_bits / 8;
    total_weights = section_length[6] / weight_bytes;
    total_params = section_length[7] / PARAM_ENTRY;
    if (total_weights * weight_bytes != section_length[6]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[6]);
    if (total_params * PARAM_ENTRY != section_length[7]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[7]);
    max_width = 1;
    macs = 0;
    for (i = 0; i < m->layer_count; i++) {
        const uint8_t *p = f + section_offset[5] + i * LAYER_RECORD;
        int in_size = u16(p), out_size = u16(p + 2), act = p[4];
        uint32_t wi = u32(p + 8), pi = u32(p + 12);
        r = section_offset[5] + i * LAYER_RECORD;
        if (in_size < 1 || in_size > MAX_LAYER_INPUTS || out_size < 1 || out_size > MAX_LAYER_INPUTS) FAIL(RMM_BAD_COUNT, r);
        if (act > 2 || p[5] != 0 || u16(p + 6) != 0) FAIL(RMM_BAD_VALUE, r + 4);
        if (wi > (uint32_t)total_weights || (int64_t)in_size * out_size > (int64_t)total_weights - (int64_t)wi) FAIL(RMM_BAD_INDEX, r + 8);
        if (pi > (uint32_t)total_params || (int64_t)out_size > (int64_t)total_params - (int64_t)pi) FAIL(RMM_BAD_INDEX, r + 12);
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
    if (macs != (int64_t)i32(f + 32)) FAIL(RMM_BAD_VALUE, 32);
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
        const uint8_t *p = m->params + i * PARAM_ENTRY;
        int64_t bias = (int64_t)u32(p) | ((int64_t)i32(p + 4) * 4294967296LL);
        int multiplier = u16(p + 8), shift = p[10];
        r = section_offset[7] + i * PARAM_ENTRY;
        if (bias > RMM_BIAS_MAX || bias < -RMM_BIAS_MAX) FAIL(RMM_BAD_VALUE, r);
        if (multiplier < RMM_MULTIPLIER_MIN || multiplier > RMM_MULTIPLIER_MAX) FAIL(RMM_BAD_VALUE, r + 8);
        if (shift > RMM_SHIFT_MAX || p[11] != 0) FAIL(RMM_BAD_VALUE, r + 10);
    }

    /* Currents and normalisation. */
    norm_entries = section_length[4] / NORM_ENTRY;
    if (norm_entries * NORM_ENTRY != section_length[4]) FAIL(RMM_BAD_SECTION_LENGTH, section_offset[4]);
    states = 0;
    for (i = 0; i < m->current_count; i++) {
        const uint8_t *p = f + section_offset[2] + i * CURRENT_RECORD;
        int owner = p[0], source = p[1], kind = p[2], bank_kind = p[3];
        int bank_size = u16(p + 4), uses_v = p[6], bank_input = p[7];
        int activity_mult = u16(p + 36), activity_shift = p[38];
        int first_a = u16(p + 8), layers_a = p[10];
        int first_b = u16(p + 12), layers_b = p[14];
        uint32_t bank_index = u32(p + 16), norm_index = u32(p + 20);
        int inputs;
        r = section_offset[2] + i * CURRENT_RECORD;
        if (owner >= m->neuron_count || source >= m->neuron_count) FAIL(RMM_BAD_INDEX, r);
        /* Version 1 has no bank inputs: byte 7 and bytes 32-39 are reserved (zero) there. */
        if (kind > 1 || bank_kind > 1 || uses_v > 1 || bank_input > (m->version >= 2 ? 1 : 0) || p[11] != 0 || p[15] != 0
            || (bank_input == 0 && (i32(p + 32) != 0 || i32(p + 36) != 0))) FAIL(RMM_BAD_VALUE, r + 2);
        if (bank_input == 1 && (activity_mult < RMM_MULTIPLIER_MIN || activity_mult > RMM_MULTIPLIER_MAX
            || activity_shift > RMM_SHIFT_MAX || p[39] != 0)) FAIL(RMM_BAD_VALUE, r + 36);
        if (kind == 1 && uses_v != 0) FAIL(RMM_BAD_VALUE, r + 6);
        if (bank_size < 1 || bank_size > MAX_BANK_SIZE) FAIL(RMM_BAD_COUNT, r + 4);
        if (bank_index != (uint32_t)states || bank_size > m->state_count - states) FAIL(RMM_BAD_INDEX, r + 16);
        inputs = bank_size + uses_v;
        if (norm_index > (uint32_t)norm_entries || (int64_t)inputs > (int64_t)norm_entries - (int64_t)norm_index) FAIL(RMM_BAD_INDEX, r + 20);
        status = check_chain(m, first_a, layers_a, inputs, r + 8, offset);
        if (status != RMM_OK) return status;
        if (kind == 1 && layers_b > 0) {
            status = check_chain(m, first_b, layers_b, inputs, r + 12, offset);
            if (status != RMM_OK) return status;
        } else if (layers_b != 0 || first_b != 0) {
            FAIL(RMM_BAD_LAYER_CHAIN, r + 12);
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
        m->conductance[i] = i32(p + 24);
        m->reversal[i] = i32(p + 28);
        m->bank_input[i] = (uint8_t)bank_input;
        m->activity_center[i] = i32(p + 32);
        m->activity_mult[i] = (uint16_t)activity_mult;
        m->activity_shift[i] = (uint8_t)activity_shift;
        if (m->conductance[i] < 0) FAIL(RMM_BAD_VALUE, r + 24);
        states += bank_size;
    }
    if (states != m->state_count) FAIL(RMM_BAD_COUNT, 26);
    m->norms = f + section_offset[4];
    for (i = 0; i < norm_entries; i++) {
        const uint8_t *p = m->norms + i * NORM_ENTRY;
        int multiplier = u16(p + 4), shift = p[6];
        if (multiplier < RMM_MULTIPLIER_MIN || multiplier > RMM_MULTIPLIER_MAX || shift > RMM_SHIFT_MAX || p[7] != 0) {
            FAIL(RMM_BAD_VALUE, section_offset[4] + i * NORM_ENTRY + 4);
        }
    }

    /* Banks. */
    m->banks = f + section_offset[3];
    for (i = 0; i < m->state_count; i++) {
        int32_t lambda = i32(m->banks + i * BANK_ENTRY), gain = i32(m->banks + i * BANK_ENTRY + 4);
        if (lambda < 0 || lambda >= (1 << RMM_COEFFICIENT_BITS) || gain < 0 || gain > (1 << RMM_COEFFICIENT_BITS)) {
            FAIL(RMM_BAD_VALUE, section_offset[3] + i * BANK_ENTRY);
        }
    }

    /* Activation table. */
    for (i = 0; i < RMM_TABLE_ENTRIES; i++) {
        m->table[i] = (int16_t)u16(f + section_offset[8] + 2 * i);
        if (m->table[i] < -RMM_UNIT_MAX || (i > 0 && m->table[i] < m->table[i - 1])) FAIL(RMM_BAD_TABLE, section_offset[8] + 2 * i);
    }

    if (m->arena_bytes != 4 * (3 * m->neuron_count + m->state_count + m->current_count + 3 * m->max_width)) FAIL(RMM_BAD_VALUE, 28);
    return RMM_OK;
}
