/* One int8 fully connected layer through CMSIS-NN's arm_fully_connected_s8 (per-tensor
   requantization, batch 1), as TensorFlow Lite Micro calls it on a Cortex-M with the DSP
   extension. The benchmark (src/cmsis.rs) times this call on the autoencoder's ten layer shapes.
   CMSIS-NN itself is compiled from ../shared/reference/cmsis-nn by build.rs; nothing of it is
   copied here. */
#include "arm_nnfunctions.h"

int32_t embednn_bench_cmsis_fc(const int8_t *input, const int8_t *weights, const int32_t *bias,
                               int8_t *output, int32_t inputs, int32_t outputs,
                               const int32_t params[6])
{
    const cmsis_nn_context ctx = {.buf = NULL, .size = 0};
    const cmsis_nn_fc_params fc = {.input_offset = params[0],
                                   .filter_offset = 0,
                                   .output_offset = params[1],
                                   .activation = {.min = params[4], .max = params[5]}};
    const cmsis_nn_per_tensor_quant_params quant = {.multiplier = params[2], .shift = params[3]};
    const cmsis_nn_dims input_dims = {.n = 1, .h = 1, .w = 1, .c = inputs};
    const cmsis_nn_dims filter_dims = {.n = inputs, .h = 1, .w = 1, .c = outputs};
    const cmsis_nn_dims bias_dims = {.n = 1, .h = 1, .w = 1, .c = outputs};
    const cmsis_nn_dims output_dims = {.n = 1, .h = 1, .w = 1, .c = outputs};
    return arm_fully_connected_s8(&ctx, &fc, &quant, &input_dims, input, &filter_dims, weights,
                                  &bias_dims, bias, &output_dims, output);
}
