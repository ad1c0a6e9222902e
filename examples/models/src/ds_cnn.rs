//! The MLPerf Tiny keyword-spotting DS-CNN (Zhang et al., "Hello Edge", the MLPerf Tiny KWS
//! reference): 49 MFCC frames × 10 coefficients → 12 keywords.
//!
//! ```text
//! 49×10×1 ─ Conv2d 64 × (10×4), stride 2, same ─ BN ─ ReLU ─ Dropout 0.2      → 25×5×64
//!         ─ 4 × [DepthwiseConv2d 3×3, same ─ BN ─ ReLU ─ Conv2d 64 × (1×1) ─ BN ─ ReLU]
//!         ─ Dropout 0.4 ─ global average pool ─ Dense 12 (logits)
//! ```
//!
//! Two types: [`DsCnnTraining`], the network as trained (batch norms and dropout, 31 layers,
//! nested into a stem and four blocks), and [`DsCnn`], what the device runs: every batch norm
//! folded into the convolution before it ([`fold`]) and dropout gone (the identity at inference),
//! 20 layers in one flat tuple, so inference ping-pongs just two 25×5×64 activation slots.
//!
//! MACs per inference: stem 25·5·64·(10·4·1) = 320,000; each block 25·5·64·9 = 72,000
//! (depthwise) + 25·5·64·64 = 512,000 (pointwise); pool 25·5·64 = 8,000; dense 64·12 = 768;
//! together 2,664,768.

use embednn::prelude::*;

/// Channels of every feature map.
pub const CHANNELS: usize = 64;
/// Keywords (the classes of the Speech Commands v2 task as MLPerf Tiny uses it).
pub const CLASSES: usize = 12;

/// The input: 49 frames × 10 MFCCs × 1 channel.
pub type Features = [[[f32; 1]; 10]; 49];
/// One 25×5×64 feature map (32,000 bytes).
pub type FeatureMap = [[[f32; CHANNELS]; 5]; 25];

/// First convolution: 64 filters of 10×4, stride 2, "same" (49×10 → 25×5).
pub type StemConv = Conv2d<49, 10, 1, CHANNELS, 10, 4, 2, 2, 25, 5, Same>;
/// Depthwise 3×3, "same", stride 1.
pub type Depthwise = DepthwiseConv2d<25, 5, CHANNELS, 3, 3, 1, 1, 25, 5, Same>;
/// Pointwise 1×1 convolution, 64 → 64.
pub type Pointwise = Conv2d<25, 5, CHANNELS, CHANNELS, 1, 1, 1, 1, 25, 5>;
/// The classifier.
pub type Classifier = Dense<CHANNELS, CLASSES>;

/// Stem as trained: convolution, batch norm, ReLU, dropout 0.2.
pub type TrainingStem = (StemConv, BatchNorm<CHANNELS>, Relu, Dropout<200>);
/// One depthwise-separable block as trained.
pub type TrainingBlock = (
    Depthwise,
    BatchNorm<CHANNELS>,
    Relu,
    Pointwise,
    BatchNorm<CHANNELS>,
    Relu,
);

/// The DS-CNN as trained (31 layers, nested).
pub type DsCnnTraining = (
    TrainingStem,
    TrainingBlock,
    TrainingBlock,
    TrainingBlock,
    TrainingBlock,
    Dropout<400>,
    GlobalAvgPool,
    Classifier,
);
const _: () = embednn::check::<DsCnnTraining>();

/// The DS-CNN for the device: batch norms folded, no dropout; 20 layers in one tuple.
pub type DsCnn = (
    StemConv,
    Relu,
    Depthwise,
    Relu,
    Pointwise,
    Relu,
    Depthwise,
    Relu,
    Pointwise,
    Relu,
    Depthwise,
    Relu,
    Pointwise,
    Relu,
    Depthwise,
    Relu,
    Pointwise,
    Relu,
    GlobalAvgPool,
    Classifier,
);
const _: () = embednn::check::<DsCnn>();
const _: () = assert!(<DsCnn as Layer<Features>>::MACS == 2_664_768);
const _: () = assert!(<DsCnnTraining as Layer<Features>>::MACS == 2_664_768 + 9 * 25 * 5 * 64);

/// The deployment model of a trained one: each batch norm folded into the convolution before it
/// ([`BatchNorm::fold_conv2d`], [`BatchNorm::fold_depthwise`]); dropout dropped. Same outputs up
/// to rounding (the folded scale multiplies the weights instead of the sums).
pub fn fold(trained: &DsCnnTraining) -> DsCnn {
    let (stem, b1, b2, b3, b4, _, pool, dense) = trained;
    let (stem_conv, stem_bn, _, _) = stem;
    let block = |b: &TrainingBlock| {
        let (dw, dw_bn, _, pw, pw_bn, _) = b;
        (dw_bn.fold_depthwise(dw), pw_bn.fold_conv2d(pw))
    };
    let ((d1, p1), (d2, p2), (d3, p3), (d4, p4)) = (block(b1), block(b2), block(b3), block(b4));
    (
        stem_bn.fold_conv2d(stem_conv),
        Relu,
        d1,
        Relu,
        p1,
        Relu,
        d2,
        Relu,
        p2,
        Relu,
        d3,
        Relu,
        p3,
        Relu,
        d4,
        Relu,
        p4,
        Relu,
        *pool,
        *dense,
    )
}

/// A DS-CNN with seeded random weights (Glorot uniform) and random batch-norm parameters and
/// statistics, as after training: γ in [0.5, 1.5), β and the moving mean in [−0.5, 0.5), the
/// moving variance in [0.25, 2.25). For benchmarks and for checking [`fold`]; the values do not
/// affect the cost of an inference.
pub fn random_training_model(seed: u64) -> DsCnnTraining {
    let mut rng = Rng::seed(seed);
    let mut model = DsCnnTraining::init(Initializer::GlorotUniform, &mut rng);
    let mut randomize = |bn: &mut BatchNorm<CHANNELS>| {
        for c in 0..CHANNELS {
            bn.gamma[c] = rng.uniform(0.5, 1.5);
            bn.beta[c] = rng.uniform(-0.5, 0.5);
            bn.moving_mean[c] = rng.uniform(-0.5, 0.5);
            bn.moving_var[c] = rng.uniform(0.25, 2.25);
        }
    };
    randomize(&mut model.0 .1);
    for block in [&mut model.1, &mut model.2, &mut model.3, &mut model.4] {
        randomize(&mut block.1);
        randomize(&mut block.4);
    }
    model
}

/// Seeded "MFCC-like" features in [−1, 1).
pub fn random_features(seed: u64) -> Features {
    let mut rng = Rng::seed(seed);
    let mut x = [[[0.0; 1]; 10]; 49];
    for v in x.as_flattened_mut().as_flattened_mut() {
        *v = rng.uniform(-1.0, 1.0);
    }
    x
}

/// Seed of the benchmark's random DS-CNN.
pub const BENCH_SEED: u64 = 0x0C4D_2019;
