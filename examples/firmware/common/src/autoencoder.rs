//! The MLPerf Tiny anomaly-detection autoencoder (ToyADMOS), as dense layers:
//! 640 → 128 → 128 → 128 → 128 → 8 → 128 → 128 → 128 → 128 → 640, ReLU between, linear output
//! (264,192 MACs). The reference model also has batch normalization, which folds into the dense
//! layers at inference time, so these shapes are what an inference costs.
//!
//! 10 dense layers and 9 ReLUs are 19; the model nests them as an encoder, a ReLU and a decoder
//! (a flat tuple of up to 24 layers would do too).

use embednn::prelude::*;

/// 640 → 128 → 128 → 128 → 128 → 8.
pub type Encoder = (
    Dense<640, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 8>,
);

/// 8 → 128 → 128 → 128 → 128 → 640.
pub type Decoder = (
    Dense<8, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 128>,
    Relu,
    Dense<128, 640>,
);

/// The whole autoencoder.
pub type Autoencoder = (Encoder, Relu, Decoder);
const _: () = embednn::check::<Autoencoder>();
const _: () = assert!(<Autoencoder as Layer<[f32; 640]>>::MACS == 264_192);

/// Seed of the (random, timing-only) weights the benchmark build script generates.
pub const SEED: u64 = 0x00AD_2019;
