// Two int8 layers that do not fit together: 8 outputs feed 6 inputs.
use embednn::quant::QDense;

type Broken = (QDense<4, 8>, QDense<6, 2>);
const _: () = embednn::quant::check::<Broken>();

fn main() {}
