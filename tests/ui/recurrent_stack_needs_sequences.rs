// Stacking recurrent layers: the first must return every state (Keras' return_sequences=True);
// with the default `ReturnLast` it outputs one state, `[f32; 8]`, which the LSTM cannot take.
use embednn::prelude::*;

type Broken = (Gru<20, 4, 8>, Lstm<20, 8, 8>, Dense<8, 2>);
const _: () = embednn::check::<Broken>();

fn main() {}
