// A recurrent layer over zero steps has no state to return: the size check says so.
use embednn::prelude::*;

type Empty = (Lstm<0, 4, 8>, Dense<8, 2>);
embednn::check!(Empty);

fn main() {}
