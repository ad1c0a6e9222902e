// An 8×8 image, 3×3 kernel, stride 2, "valid": (8 - 3) / 2 + 1 = 3, not 4.
use embednn::prelude::*;

type Wrong = (
    Conv2d<8, 8, 1, 4, 3, 3, 2, 2, 4, 4, Valid>,
    Relu,
    Flatten<64>,
    Dense<64, 2>,
);
const _: () = embednn::check::<Wrong>();

fn main() {}
