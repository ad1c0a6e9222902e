// The DS-CNN front end: 49×10 MFCCs, 10×4 kernel, stride 2, "same": ceil(49 / 2) = 25 rows.
use embednn::prelude::*;

type Wrong = (
    Conv2d<49, 10, 1, 64, 10, 4, 2, 2, 24, 5, Same>,
    Relu,
    GlobalAvgPool,
    Dense<64, 12>,
);
const _: () = embednn::check::<Wrong>();

fn main() {}
