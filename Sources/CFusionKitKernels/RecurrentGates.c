#include "FusionKitKernels.h"
#include "ScalarMath.h"

/* The GRU's gate arithmetic for one batch element and step, and the column sums of the
 * recurrent layers' bias gradients. Written as single loops over the hidden units with
 * non-overlapping pointers, so each compiles to one vector loop per instruction set with the
 * sigmoid and tanh inlined (Swift code compiles for SSE2 only, four floats at a time, and calls
 * the activation kernels once per gate block). */

#define FK_GRU_FORWARD_BODY                                                                    \
    {                                                                                          \
        for (long j = 0; j < n; j++) {                                                         \
            float reset = fk_sigmoid1(recurrent[j] + gates[j] + hiddenBias[j]);                \
            float update = fk_sigmoid1(recurrent[n + j] + gates[n + j] + hiddenBias[n + j]);   \
            float hiddenPart = recurrent[2 * n + j] + hiddenBias[2 * n + j];                   \
            float candidate = fk_tanh1(gates[2 * n + j] + reset * hiddenPart);                 \
            saved[j] = hiddenPart;                                                             \
            gates[j] = reset;                                                                  \
            gates[n + j] = update;                                                             \
            gates[2 * n + j] = candidate;                                                      \
            hidden[j] = candidate + update * (hidden[j] - candidate);                          \
        }                                                                                      \
    }

#define FK_GRU_FORWARD_SIGNATURE(name)                                                         \
    void name(long n, float *__restrict gates, const float *__restrict recurrent,               \
              const float *__restrict hiddenBias, float *__restrict hidden, float *__restrict saved)

#define FK_GRU_BACKWARD_BODY                                                                   \
    {                                                                                          \
        for (long j = 0; j < n; j++) {                                                         \
            float reset = gates[j], update = gates[n + j], candidate = gates[2 * n + j];       \
            float dh = hiddenGradient[j];                                                      \
            float dCandidate = dh * (1.0f - update) * (1.0f - candidate * candidate);          \
            float dUpdate = dh * (previousHidden[j] - candidate) * update * (1.0f - update);   \
            float dReset = dCandidate * saved[j] * reset * (1.0f - reset);                     \
            inputGateGradient[j] = dReset;                                                     \
            inputGateGradient[n + j] = dUpdate;                                                \
            inputGateGradient[2 * n + j] = dCandidate;                                         \
            hiddenGateGradient[j] = dReset;                                                    \
            hiddenGateGradient[n + j] = dUpdate;                                               \
            hiddenGateGradient[2 * n + j] = dCandidate * reset;                                \
            hiddenGradient[j] = dh * update;                                                   \
        }                                                                                      \
    }

#define FK_GRU_BACKWARD_SIGNATURE(name)                                                        \
    void name(long n, const float *__restrict gates, const float *__restrict saved,             \
              const float *__restrict previousHidden, float *__restrict hiddenGradient,         \
              float *__restrict inputGateGradient, float *__restrict hiddenGateGradient)

/* Sixty-four columns at a time summed down all rows in registers, then added to sums: each
 * column still sums its rows in order. */
#define FK_COLUMN_SUMS_BODY                                                                    \
    {                                                                                          \
        long start = 0;                                                                        \
        for (; start + 64 <= columns; start += 64) {                                           \
            float block[64];                                                                   \
            for (int j = 0; j < 64; j++) block[j] = 0.0f;                                      \
            for (long row = 0; row < rows; row++) {                                            \
                const float *line = matrix + row * columns + start;                            \
                for (int j = 0; j < 64; j++) block[j] += line[j];                              \
            }                                                                                  \
            for (int j = 0; j < 64; j++) sums[start + j] += block[j];                          \
        }                                                                                      \
        for (long row = 0; row < rows; row++) {                                                \
            const float *line = matrix + row * columns;                                        \
            for (long j = start; j < columns; j++) sums[j] += line[j];                         \
        }                                                                                      \
    }

#define FK_COLUMN_SUMS_SIGNATURE(name)                                                         \
    void name(const float *__restrict matrix, long rows, long columns, float *__restrict sums)

static FK_GRU_FORWARD_SIGNATURE(fk_gru_forward_baseline) FK_GRU_FORWARD_BODY
static FK_GRU_BACKWARD_SIGNATURE(fk_gru_backward_baseline) FK_GRU_BACKWARD_BODY
static FK_COLUMN_SUMS_SIGNATURE(fk_add_column_sums_baseline) FK_COLUMN_SUMS_BODY
#ifdef FK_X86
FK_AVX512 static FK_GRU_FORWARD_SIGNATURE(fk_gru_forward_avx512) FK_GRU_FORWARD_BODY
FK_AVX2 static FK_GRU_FORWARD_SIGNATURE(fk_gru_forward_avx2) FK_GRU_FORWARD_BODY
FK_AVX512 static FK_GRU_BACKWARD_SIGNATURE(fk_gru_backward_avx512) FK_GRU_BACKWARD_BODY
FK_AVX2 static FK_GRU_BACKWARD_SIGNATURE(fk_gru_backward_avx2) FK_GRU_BACKWARD_BODY
FK_AVX512 static FK_COLUMN_SUMS_SIGNATURE(fk_add_column_sums_avx512) FK_COLUMN_SUMS_BODY
FK_AVX2 static FK_COLUMN_SUMS_SIGNATURE(fk_add_column_sums_avx2) FK_COLUMN_SUMS_BODY
#endif

FK_GRU_FORWARD_SIGNATURE(fk_gru_forward) {
    FK_DISPATCH(fk_gru_forward, (n, gates, recurrent, hiddenBias, hidden, saved))
    fk_gru_forward_baseline(n, gates, recurrent, hiddenBias, hidden, saved);
}

FK_GRU_BACKWARD_SIGNATURE(fk_gru_backward) {
    FK_DISPATCH(fk_gru_backward, (n, gates, saved, previousHidden, hiddenGradient, inputGateGradient, hiddenGateGradient))
    fk_gru_backward_baseline(n, gates, saved, previousHidden, hiddenGradient, inputGateGradient, hiddenGateGradient);
}

FK_COLUMN_SUMS_SIGNATURE(fk_add_column_sums) {
    FK_DISPATCH(fk_add_column_sums, (matrix, rows, columns, sums))
    fk_add_column_sums_baseline(matrix, rows, columns, sums);
}
