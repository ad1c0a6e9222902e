//! Firmware around one model file, whatever its architecture: `include_model!` turns the file
//! into its model type and a `static` in flash, and `main` runs it on seeded inputs, printing
//! each output's bits so the host can check them (`cargo xtask firmware deploy FILE` does), and
//! what the model needs in RAM, known at compile time.
//!
//! To use your model, replace `models/model.ennm` (or build with `EMBEDNN_MODEL=path`), and put
//! your own inputs (sensor readings, standardized as the file says) where the seeded ones are.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
#[cfg(feature = "defmt")]
use defmt_rtt as _;
use embednn::{Buffer, Input, Model as _, Rng, Tensor};
use panic_semihosting as _;

embednn_macros::include_model!(pub MODEL = "models/model.ennm", env = "EMBEDNN_MODEL");

/// The RP2040's second-stage bootloader, where the boot ROM looks for it (see memory/rp2040.x).
#[cfg(feature = "rp2040")]
#[link_section = ".boot2"]
#[used]
pub static BOOT2: [u8; 256] = rp2040_boot2::BOOT_LOADER_W25Q080;

include!(concat!(env!("OUT_DIR"), "/part.rs"));

/// Stack the firmware needs besides the model's inference memory (the input, printing, the
/// runtime), measured generously.
const OTHER_STACK_BYTES: usize = 2048;

// A model whose inference does not fit the part is a build error, not a stack that silently
// runs into the statics.
const _: () = assert!(
    <Model as embednn::Model>::INFERENCE_BYTES + OTHER_STACK_BYTES <= RAM_BYTES,
    "the model's inference RAM (Model::INFERENCE_BYTES) does not fit this part's RAM"
);

/// How many seeded inputs to run, and their seed (the host draws the same ones).
const SAMPLES: usize = 8;
const SEED: u64 = 0x5EED;

/// One line of output: semihosting (QEMU, a debugger) or defmt over RTT (probe-rs).
macro_rules! say {
    ($($arg:tt)*) => {{
        #[cfg(feature = "defmt")]
        defmt::println!($($arg)*);
        #[cfg(not(feature = "defmt"))]
        cortex_m_semihosting::hprintln!($($arg)*);
    }};
}

#[entry]
fn main() -> ! {
    say!(
        "model: {} parameters ({} bytes of flash), {} MACs and {} bytes of RAM per inference ({}: {} bytes)",
        <Model as embednn::Params>::PARAMS,
        <Model as embednn::Model>::PARAM_BYTES,
        <Model as embednn::Layer<Input<Model>>>::MACS,
        <Model as embednn::Model>::INFERENCE_BYTES,
        PART,
        RAM_BYTES
    );
    let mut rng = Rng::seed(SEED);
    for i in 0..SAMPLES {
        let mut x = <Input<Model> as Buffer>::ZERO;
        for v in x.flat_mut() {
            *v = rng.uniform(-2.0, 2.0);
        }
        let y = MODEL.predict(&x);
        // Bits, so the host compares exactly (a value and its bits: `y SAMPLE OUTPUT BITS VALUE`).
        for (j, v) in y.flat().iter().enumerate() {
            say!("y {} {} {} {}", i, j, v.to_bits(), v);
        }
    }
    say!("done");
    #[cfg(not(feature = "defmt"))]
    cortex_m_semihosting::debug::exit(cortex_m_semihosting::debug::EXIT_SUCCESS);
    loop {
        cortex_m::asm::wfi();
    }
}
