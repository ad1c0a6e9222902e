//! Keras' endings train exactly like the logits forms: a model ending in `Sigmoid` with
//! `BinaryCrossEntropy`, or in `Softmax` with `CategoricalCrossEntropy` /
//! `SparseCategoricalCrossEntropy`, takes bit for bit the steps that the same model without the
//! activation takes with the logits loss — per sample, layer-major over a batch, with batch
//! normalization and with a frozen body — even where the activation saturates.
//!
//! The model types are named nowhere else in the repository.

use embednn::prelude::*;

/// Parameter bits in file order.
fn bits<M: Params>(model: &M) -> Vec<u32> {
    let mut out = Vec::new();
    model.for_each_param(&mut |_, v| out.extend(v.iter().map(|x| x.to_bits())));
    out
}

/// Inputs in [-1, 1) from a seeded stream.
fn inputs<const N: usize>(count: usize, seed: u64) -> Vec<[f32; N]> {
    let mut rng = Rng::seed(seed);
    (0..count)
        .map(|_| core::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect()
}

type BinaryLogits = (Dense<5, 12>, LeakyRelu<100>, Dense<12, 1>);
type BinaryProbs = (Dense<5, 12>, LeakyRelu<100>, Dense<12, 1>, Sigmoid);

#[test]
fn sigmoid_and_binary_cross_entropy_train_like_logits() {
    let xs = inputs::<5>(40, 1);
    let ys: Vec<[f32; 1]> = xs
        .iter()
        .map(|x| [f32::from(u8::from(x[0] + 0.5 * x[1] > 0.1))])
        .collect();
    let mut logits = BinaryLogits::init(Initializer::GlorotUniform, &mut Rng::seed(3));
    let mut probs: BinaryProbs = (logits.0, logits.1, logits.2, Sigmoid);
    // Start saturated: z ≈ 40, so the sigmoid rounds to exactly 1 for every sample, and half the
    // targets are 0. Unfused, p(1 − p) = 0 would stop all learning.
    logits.2.bias[0] = 40.0;
    probs.2.bias[0] = 40.0;
    assert_eq!(probs.predict(&xs[0]), [1.0]);

    let mut a = Trainer::<BinaryLogits, _, _>::new(BinaryCrossEntropyWithLogits, Adam::new(0.05));
    let mut b = Trainer::<BinaryProbs, _, _>::new(BinaryCrossEntropy, Adam::new(0.05));
    let (mut ra, mut rb) = (Rng::seed(9), Rng::seed(9));
    for _ in 0..30 {
        for (bx, by) in xs.chunks(8).zip(ys.chunks(8)) {
            a.train_batch(&mut logits, bx, by, &mut ra).unwrap();
            b.train_batch(&mut probs, bx, by, &mut rb).unwrap();
        }
    }
    assert_eq!(bits(&logits), bits(&probs));
    // It learned its way out of saturation.
    let correct = xs
        .iter()
        .zip(&ys)
        .filter(|(x, y)| (probs.predict(x)[0] > 0.5) == (y[0] > 0.5))
        .count();
    assert!(correct >= 36, "{correct} of 40");
}

type ClassLogits = (Dense<4, 6>, Tanh, Dense<6, 3>);
type ClassProbs = (Dense<4, 6>, Tanh, Dense<6, 3>, Softmax);

fn three_classes() -> (Vec<[f32; 4]>, Vec<[f32; 3]>, Vec<usize>) {
    let xs = inputs::<4>(48, 2);
    let classes: Vec<usize> = xs
        .iter()
        .map(|x| {
            if x[0] > 0.3 {
                0
            } else if x[1] > 0.0 {
                1
            } else {
                2
            }
        })
        .collect();
    let one_hot = classes
        .iter()
        .map(|&c| core::array::from_fn(|i| f32::from(u8::from(i == c))))
        .collect();
    (xs, one_hot, classes)
}

#[test]
fn softmax_and_categorical_cross_entropies_train_like_logits() {
    let (xs, one_hot, classes) = three_classes();
    let mut logits = ClassLogits::init(Initializer::GlorotUniform, &mut Rng::seed(5));
    let mut dense: ClassProbs = (logits.0, logits.1, logits.2, Softmax);
    let mut sparse = dense;
    // One class's logit far above the others: the softmax saturates to exactly 1 and 0.
    for m in [&mut logits.2.bias, &mut dense.2.bias, &mut sparse.2.bias] {
        m[2] = 60.0;
    }
    assert_eq!(dense.predict(&xs[0])[2], 1.0);

    let mut a = Trainer::<ClassLogits, _, _>::new(SoftmaxCrossEntropy, Adam::new(0.02));
    let mut b = Trainer::<ClassProbs, _, _>::new(CategoricalCrossEntropy, Adam::new(0.02));
    let mut c = Trainer::<ClassProbs, _, _>::new(SparseCategoricalCrossEntropy, Adam::new(0.02));
    let mut rng = Rng::seed(0);
    for _ in 0..20 {
        for ((bx, by), bc) in xs
            .chunks(12)
            .zip(one_hot.chunks(12))
            .zip(classes.chunks(12))
        {
            a.train_batch(&mut logits, bx, by, &mut rng).unwrap();
            b.train_batch(&mut dense, bx, by, &mut rng).unwrap();
            c.train_batch(&mut sparse, bx, bc, &mut rng).unwrap();
        }
    }
    assert_eq!(bits(&logits), bits(&dense));
    assert_eq!(bits(&dense), bits(&sparse));
}

type NormedLogits = (Dense<4, 6>, BatchNorm<6>, Relu, Dense<6, 3>);
type NormedProbs = (Dense<4, 6>, BatchNorm<6>, Relu, Dense<6, 3>, Softmax);

#[test]
fn the_layer_major_batch_pass_fuses_too() {
    let (xs, one_hot, _) = three_classes();
    let mut logits = NormedLogits::init(Initializer::GlorotUniform, &mut Rng::seed(8));
    let mut probs: NormedProbs = (logits.0, logits.1, logits.2, logits.3, Softmax);
    let mut a = BatchTrainer::<NormedLogits, _, _, 8>::new(SoftmaxCrossEntropy, Sgd::new(0.1));
    let mut b = BatchTrainer::<NormedProbs, _, _, 8>::new(CategoricalCrossEntropy, Sgd::new(0.1));
    let mut rng = Rng::seed(1);
    for _ in 0..10 {
        for (bx, by) in xs.chunks_exact(8).zip(one_hot.chunks_exact(8)) {
            let bx: &[[f32; 4]; 8] = bx.try_into().unwrap();
            let by: &[[f32; 3]; 8] = by.try_into().unwrap();
            a.train_batch(&mut logits, bx, by, &mut rng);
            b.train_batch(&mut probs, bx, by, &mut rng);
        }
    }
    assert_eq!(bits(&logits), bits(&probs));
}

type FrozenBodyLogits = (Frozen<(Dense<4, 6>, Tanh)>, Dense<6, 1>);
type FrozenBodyProbs = (Frozen<(Dense<4, 6>, Tanh)>, Frozen<(Dense<6, 1>, Sigmoid)>);

#[test]
fn a_frozen_ending_passes_the_fused_gradient_through() {
    // Only the loss value can differ here (nothing trains after a frozen ending), but the
    // pairing is accepted and the fused path runs without touching the frozen parameters.
    let xs = inputs::<4>(8, 4);
    let ys = vec![[1.0f32]; 8];
    let logits = FrozenBodyLogits::init(Initializer::GlorotUniform, &mut Rng::seed(2));
    let mut probs: FrozenBodyProbs = (logits.0, Frozen((logits.1, Sigmoid)));
    let before = bits(&probs);
    let mut t = Trainer::<FrozenBodyProbs, _, _>::new(BinaryCrossEntropy, Adam::new(0.1));
    let loss = t
        .train_batch(&mut probs, &xs, &ys, &mut Rng::seed(0))
        .unwrap();
    assert!(loss.is_finite());
    assert_eq!(bits(&probs), before);
}
