// 8×8×4 after "same" conv and a 2×2 pool gives 4×4×4 = 64 values, not 100.
use embednn::prelude::*;

type Wrong = (
    Conv2d<8, 8, 1, 4, 3, 3, 1, 1, 8, 8, Same>,
    Relu,
    MaxPool2d<2, 2, 2, 2, 4, 4>,
    Flatten<100>,
    Dense<100, 10>,
);
const _: () = embednn::check::<Wrong>();

fn main() {}
