/*
 * rmm_layout.h - the byte layout of an .rmmq file by name: the C twin of
 * shared-model/Format/RmmqLayout.cs, name for name (OffsetDtNs is RMMQ_OFFSET_DT_NS) and value for
 * value; tests/SharedModel/LayoutTwinTests.cs fails when the two differ.
 * Kept by hand. rmm_load.c and rmm_step.c read the file through these names only.
 */
#ifndef RMM_LAYOUT_H
#define RMM_LAYOUT_H

/* Header (48 bytes). */
#define RMMQ_HEADER_SIZE 48
#define RMMQ_OFFSET_MAGIC 0
#define RMMQ_OFFSET_VERSION 4
#define RMMQ_OFFSET_HEADER_SIZE 6
#define RMMQ_OFFSET_FILE_SIZE 8
#define RMMQ_OFFSET_CRC 12
#define RMMQ_OFFSET_DT_NS 16
#define RMMQ_OFFSET_NEURON_COUNT 20
#define RMMQ_OFFSET_CURRENT_COUNT 21
#define RMMQ_OFFSET_WEIGHT_BITS 22
#define RMMQ_OFFSET_SECTION_COUNT 23
#define RMMQ_OFFSET_LAYER_COUNT 24
#define RMMQ_OFFSET_STATE_COUNT 26
#define RMMQ_OFFSET_ARENA_BYTES 28
#define RMMQ_OFFSET_MACS_PER_STEP 32
#define RMMQ_OFFSET_PARAMETER_COUNT 36
#define RMMQ_OFFSET_RESERVED 40

/* Directory entry (12 bytes each, from HeaderSize): u16 id, u16 flags, u32 offset, u32 length. */
#define RMMQ_DIRECTORY_ENTRY_SIZE 12
#define RMMQ_ENTRY_ID 0
#define RMMQ_ENTRY_FLAGS 2
#define RMMQ_ENTRY_OFFSET 4
#define RMMQ_ENTRY_LENGTH 8
#define RMMQ_SECTION_ALIGNMENT 4

/* Neuron record (24 bytes). */
#define RMMQ_NEURON_RECORD_SIZE 24
#define RMMQ_NEURON_EXTERNAL 0
#define RMMQ_NEURON_STEP_GAIN 4
#define RMMQ_NEURON_LEAK_CONDUCTANCE 8
#define RMMQ_NEURON_LEAK_REVERSAL 12
#define RMMQ_NEURON_VOLTAGE_MIN 16
#define RMMQ_NEURON_VOLTAGE_MAX 20

/* Current record (40 bytes). */
#define RMMQ_CURRENT_RECORD_SIZE 40
#define RMMQ_CURRENT_OWNER 0
#define RMMQ_CURRENT_SOURCE 1
#define RMMQ_CURRENT_KIND 2
#define RMMQ_CURRENT_BANK_KIND 3
#define RMMQ_CURRENT_BANK_SIZE 4
#define RMMQ_CURRENT_USES_VOLTAGE 6
#define RMMQ_CURRENT_BANK_INPUT 7
#define RMMQ_CURRENT_FIRST_LAYER_A 8
#define RMMQ_CURRENT_LAYERS_A 10
#define RMMQ_CURRENT_PAD_A 11
#define RMMQ_CURRENT_FIRST_LAYER_B 12
#define RMMQ_CURRENT_LAYERS_B 14
#define RMMQ_CURRENT_PAD_B 15
#define RMMQ_CURRENT_BANK_INDEX 16
#define RMMQ_CURRENT_NORM_INDEX 20
#define RMMQ_CURRENT_CONDUCTANCE 24
#define RMMQ_CURRENT_REVERSAL 28
#define RMMQ_CURRENT_ACTIVITY_CENTER 32
#define RMMQ_CURRENT_ACTIVITY_MULTIPLIER 36
#define RMMQ_CURRENT_ACTIVITY_SHIFT 38
#define RMMQ_CURRENT_ACTIVITY_PAD 39

/* Layer record (16 bytes). */
#define RMMQ_LAYER_RECORD_SIZE 16
#define RMMQ_LAYER_IN 0
#define RMMQ_LAYER_OUT 2
#define RMMQ_LAYER_ACTIVATION 4
#define RMMQ_LAYER_PAD 5
#define RMMQ_LAYER_WEIGHT_INDEX 8
#define RMMQ_LAYER_PARAM_INDEX 12

/* Bank entry (8 bytes per state). */
#define RMMQ_BANK_ENTRY_SIZE 8
#define RMMQ_BANK_LAMBDA 0
#define RMMQ_BANK_GAIN 4

/* Normalisation entry (8 bytes per MLP input). */
#define RMMQ_NORM_ENTRY_SIZE 8
#define RMMQ_NORM_CENTER 0
#define RMMQ_NORM_MULTIPLIER 4
#define RMMQ_NORM_SHIFT 6
#define RMMQ_NORM_PAD 7

/* Layer parameter entry (12 bytes per layer output). */
#define RMMQ_PARAM_ENTRY_SIZE 12
#define RMMQ_PARAM_BIAS 0
#define RMMQ_PARAM_MULTIPLIER 8
#define RMMQ_PARAM_SHIFT 10
#define RMMQ_PARAM_PAD 11
#define RMMQ_TABLE_ENTRY_SIZE 2

/* Working memory the kernel needs (RmmqLayout.ArenaBytes): voltages, next voltages, currents into each
   neuron, bank states, per-current psi, the input vector and two activation buffers, 4 bytes each. */
#define RMMQ_ARENA_BYTES(neurons, states, currents, max_width) (4 * (3 * (neurons) + (states) + (currents) + 3 * (max_width)))

#endif
