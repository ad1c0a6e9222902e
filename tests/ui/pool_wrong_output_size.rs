// A 3×3 max pool, stride 2, on a 7×7 map: (7 - 3) / 2 + 1 = 3, not 4.
use embednn::prelude::*;

type Wrong = (
    Conv2d<7, 7, 1, 2, 1, 1, 1, 1, 7, 7>,
    MaxPool2d<3, 3, 2, 2, 4, 3>,
    Flatten<24>,
    Dense<24, 2>,
);
const _: () = embednn::check::<Wrong>();

fn main() {}
