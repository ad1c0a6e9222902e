// An int8 convolution whose written output size is wrong: (8 - 3) / 2 + 1 = 3, not 4.
use embednn::quant::QConv2d;
use embednn::Valid;

type Wrong = (QConv2d<8, 8, 1, 4, 3, 3, 2, 2, 4, 4, Valid>,);
const _: () = embednn::quant::check::<Wrong>();

fn main() {}
