// The two branches of an Add must give the same output: here [[[f32; 8]; 4]; 4] and
// [[[f32; 8]; 8]; 8] (the shortcut forgot its stride).
use embednn::prelude::*;
use embednn::Add;

type Block = Add<
    Conv2d<8, 8, 4, 8, 3, 3, 2, 2, 4, 4, Same>,
    Conv2d<8, 8, 4, 8, 1, 1, 1, 1, 8, 8, Same>,
>;
type Net = (Conv2d<8, 8, 1, 4, 3, 3, 1, 1, 8, 8, Same>, Block);
embednn::check!(Net);

fn main() {}
