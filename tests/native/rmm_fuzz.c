/*
 * rmm_fuzz.c - mutates a valid .rmmq file many times and feeds every mutant to rmm_load (and, when it
 * loads, to rmm_step with random inputs). Built with -fsanitize=address,undefined
 * -fno-sanitize-recover: any out-of-bounds access or undefined behaviour aborts the run.
 * Half of the mutants get their CRC recomputed, so mutations reach the structural checks.
 * Usage: rmm_fuzz MODEL.rmmq ITERATIONS SEED -> prints "mutants N loaded L rejected R" and a status histogram.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rmm_model.h"

static uint64_t state;
static uint32_t next(void) { state ^= state << 13; state ^= state >> 7; state ^= state << 17; return (uint32_t)(state >> 16); }

int main(int argc, char **argv)
{
    FILE *fp;
    uint8_t *seed, *mutant;
    long size;
    int32_t iterations, i, histogram[128] = {0}, loaded = 0;
    rmm_model *m = (rmm_model *)malloc(sizeof(rmm_model));
    if (argc != 4) { fprintf(stderr, "usage: rmm_fuzz MODEL ITERATIONS SEED\n"); return 2; }
    fp = fopen(argv[1], "rb");
    if (!fp) { perror(argv[1]); return 2; }
    fseek(fp, 0, SEEK_END); size = ftell(fp); fseek(fp, 0, SEEK_SET);
    seed = (uint8_t *)malloc((size_t)size);
    if (fread(seed, 1, (size_t)size, fp) != (size_t)size) { fclose(fp); return 2; }
    fclose(fp);
    iterations = atoi(argv[2]);
    state = (uint64_t)strtoull(argv[3], 0, 10) * 0x9E3779B97F4A7C15ull | 1;
    for (i = 0; i < iterations; i++) {
        uint32_t length = (uint32_t)size, j, edits = 1 + next() % 8;
        int32_t offset, status;
        /* An exact-size copy, so reading one byte past the end is caught. */
        if (next() % 10 == 0) length = next() % (uint32_t)size;              /* truncation */
        mutant = (uint8_t *)malloc(length ? length : 1);
        memcpy(mutant, seed, length);
        for (j = 0; j < edits && length > 0; j++) {
            uint32_t at = next() % length;
            switch (next() % 4) {
            case 0: mutant[at] ^= (uint8_t)(1u << (next() % 8)); break;     /* bit flip */
            case 1: mutant[at] = (uint8_t)next(); break;                    /* random byte */
            case 2: mutant[at] = (next() & 1) ? 0xFF : 0x00; break;         /* extremes */
            default: if (at + 4 <= length) { uint32_t v = next(); memcpy(mutant + at, &v, 4); } break;
            }
        }
        if (length >= 16 && (next() & 1)) {                                /* make the CRC right */
            uint32_t crc = rmm_file_crc(mutant, length);
            mutant[12] = (uint8_t)crc; mutant[13] = (uint8_t)(crc >> 8); mutant[14] = (uint8_t)(crc >> 16); mutant[15] = (uint8_t)(crc >> 24);
        }
        status = (int32_t)rmm_load(mutant, length, m, &offset);
        histogram[status & 127]++;
        if (status == RMM_OK) {
            int32_t *arena = (int32_t *)malloc((size_t)m->arena_bytes), v0[RMM_MAX_NEURONS], in[RMM_MAX_NEURONS], k, n;
            rmm_state s;
            loaded++;
            for (n = 0; n < m->neuron_count; n++) v0[n] = (int32_t)(next() % 20000000u) - 10000000;
            if (rmm_state_init(m, arena, (uint32_t)m->arena_bytes, v0, &s) == RMM_OK) {
                for (k = 0; k < 20; k++) {
                    for (n = 0; n < m->neuron_count; n++) in[n] = (int32_t)next();
                    rmm_step(m, &s, in, in);
                }
            }
            free(arena);
        }
        free(mutant);
    }
    printf("mutants %d loaded %d rejected %d\n", iterations, loaded, iterations - loaded);
    for (i = 0; i < 128; i++) if (histogram[i]) printf("status %d: %d\n", i, histogram[i]);
    free(seed);
    free(m);
    return 0;
}
