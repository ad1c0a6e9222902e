//! The host side of the firmware builds (feature `build`, used by every `build.rs` here).
//!
//! A build script loads model files with the host build of `embednn`, computes what the device
//! must reproduce, and writes Rust source into `OUT_DIR` for the firmware to `include!`:
//! `static` models (weights in flash, via [`embednn::codegen`]), data sets, golden tables.
//! Failures stop the build with a message that names the file (a model file that does not match
//! the firmware's model type reports the first differing layer).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use embednn::codegen::{write_static, ToRust};
use embednn::format::{ModelFile, ModelInfo};
use embednn::prelude::*;

use crate::finetune::{self, Digit, HeadTrainer};
use crate::gesture_tune;
use embednn::Input;

/// Stops the build with `message` (Cargo shows it under the build script's stderr).
pub fn fail(message: String) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1)
}

/// A build script's view of its crate: where the sources are and where generated files go.
pub struct Build {
    /// The firmware crate's directory.
    pub manifest_dir: PathBuf,
    /// Cargo's `OUT_DIR`.
    pub out_dir: PathBuf,
}

impl Default for Build {
    fn default() -> Self {
        Self::new()
    }
}

impl Build {
    /// Reads the directories Cargo gives a build script.
    pub fn new() -> Self {
        let var = |name: &str| {
            PathBuf::from(
                env::var_os(name)
                    .unwrap_or_else(|| fail(format!("{name} is not set: run from cargo"))),
            )
        };
        println!("cargo:rerun-if-changed=build.rs");
        Build {
            manifest_dir: var("CARGO_MANIFEST_DIR"),
            out_dir: var("OUT_DIR"),
        }
    }

    /// Puts the crate's `memory.x` where cortex-m-rt's `link.x` finds it; for the Cortex-M33
    /// (`thumbv8m.main-none-eabihf`, QEMU `mps2-an505`, another memory map), `memory-an505.x`.
    pub fn memory_x(&self) {
        let target = env::var("TARGET").unwrap_or_default();
        let file = if target.starts_with("thumbv8m") {
            "memory-an505.x"
        } else {
            "memory.x"
        };
        println!("cargo:rerun-if-changed={file}");
        let src = self.manifest_dir.join(file);
        let bytes = fs::read(&src).unwrap_or_else(|e| fail(format!("{}: {e}", src.display())));
        self.write("memory.x", &bytes);
        println!("cargo:rustc-link-search={}", self.out_dir.display());
        println!("cargo:rerun-if-changed=memory.x");
    }

    /// A file of the crate, relative to its directory; rebuilds when it changes.
    pub fn input(&self, relative: &str) -> PathBuf {
        let path = self.manifest_dir.join(relative);
        println!("cargo:rerun-if-changed={}", path.display());
        path
    }

    /// The model file named by environment variable `var` (a path relative to the firmware crate,
    /// or absolute), or `default` (relative to the crate) when it is unset.
    pub fn model_path(&self, var: &str, default: &str) -> PathBuf {
        println!("cargo:rerun-if-env-changed={var}");
        let path = match env::var_os(var) {
            Some(p) if !p.is_empty() => self.manifest_dir.join(p),
            _ => self.manifest_dir.join(default),
        };
        println!("cargo:rerun-if-changed={}", path.display());
        path
    }

    /// Writes a generated file into `OUT_DIR`.
    pub fn write(&self, name: &str, contents: &[u8]) {
        let path = self.out_dir.join(name);
        fs::write(&path, contents).unwrap_or_else(|e| fail(format!("{}: {e}", path.display())));
    }

    /// Loads the model file at `path` into model type `M` (failing the build with the loader's
    /// message if it does not fit) and copies the file into `OUT_DIR/{name}` for
    /// `include_bytes!`. Returns the model and the file's bytes.
    pub fn load<M: Model + Init>(&self, path: &Path, name: &str) -> (M, Vec<u8>) {
        let bytes = fs::read(path).unwrap_or_else(|e| {
            fail(format!("cannot read model file {}: {e}", path.display()));
        });
        let mut model = M::init(Initializer::Zeros, &mut Rng::seed(0));
        if let Err(e) = ModelFile::<M>::load_into(&mut model, &bytes) {
            fail(format!("{}: {e}", path.display()));
        }
        self.write(name, &bytes);
        (model, bytes)
    }
}

/// `pub static {name}: {ty} = …;`: the model as a constant, so its weights live in flash.
pub fn static_model<M: ToRust>(name: &str, ty: &str, model: &M) -> String {
    let mut src = String::from(ALLOW_MODEL);
    write_static(&mut src, name, ty, model).expect("writing to a String cannot fail");
    src
}

/// Generated numbers are data: one may happen to be close to π or e without meaning it.
const ALLOW_NUMBERS: &str = "#[allow(clippy::approx_constant)]\n";
/// ... and a generated model writes every layer as a struct literal, a tuple struct's too
/// (`MaxPool2d { 0: PhantomData }`).
const ALLOW_MODEL: &str = "#[allow(clippy::approx_constant, clippy::init_numbered_fields)]\n";

/// `pub static {name}: [[f32; C]; …] = …;`: a tensor of any shape, each value exact.
pub fn static_tensor<X: Tensor>(name: &str, x: &X) -> String {
    let ty = X::SHAPE
        .iter()
        .rev()
        .fold(String::from("f32"), |inner, n| format!("[{inner}; {n}]"));
    let mut src = format!("{ALLOW_NUMBERS}pub static {name}: {ty} = ");
    embednn::codegen::write_f32_nested(&mut src, x.flat(), X::SHAPE)
        .expect("writing to a String cannot fail");
    src.push_str(";\n");
    src
}

/// `pub static {name}: [Golden<I, O>; N] = …;`: each input with the output the host build of the
/// same code computes for it.
pub fn golden_table<M, const I: usize, const O: usize>(
    name: &str,
    model: &M,
    inputs: &[[f32; I]],
) -> String
where
    M: Model + FixedInput<Input = [f32; I]> + Layer<[f32; I], Output = [f32; O]>,
{
    let mut src = format!(
        "pub static {name}: [firmware_common::Golden<{I}, {O}>; {}] = [\n",
        inputs.len()
    );
    for x in inputs {
        let y: [f32; O] = model.predict(x);
        let hex = |v: &[f32]| {
            v.iter()
                .map(|v| format!("{:#010x}", v.to_bits()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        writeln!(
            src,
            "    firmware_common::Golden {{ input: [{}], output: [{}] }},",
            hex(x),
            hex(&y)
        )
        .unwrap();
    }
    src.push_str("];\n");
    src
}

/// The inputs the sine firmware checks: 32 points spread over one period [0, 2π], then values
/// the model never saw in training (negative, beyond 2π, zero of both signs, a subnormal), whose
/// outputs must match just as exactly.
pub fn sine_inputs() -> Vec<[f32; 1]> {
    let mut xs: Vec<[f32; 1]> = (0..32)
        .map(|i| [i as f32 * (std::f32::consts::TAU / 31.0)])
        .collect();
    xs.extend([[-0.0], [1.0e-40], [-1.0], [7.5], [10.0], [100.0], [-1.0e6]]);
    xs
}

/// The rows of `data/digits.csv` the host models did not train on (`index % 5 == 4`, the
/// examples' test set), as stored: `(row index, digit)`.
pub fn held_out_digits(csv: &Path) -> Vec<(usize, Digit)> {
    let text = fs::read_to_string(csv).unwrap_or_else(|e| fail(format!("{}: {e}", csv.display())));
    let mut digits = Vec::new();
    for (index, line) in text.lines().skip(1).enumerate() {
        if index % 5 != 4 {
            continue;
        }
        let values: Vec<u8> = line
            .split(',')
            .map(|v| {
                v.trim()
                    .parse()
                    .unwrap_or_else(|e| fail(format!("{}: row {index}: {e}", csv.display())))
            })
            .collect();
        let (pixels, label) = match values.as_slice() {
            [pixels @ .., label] if pixels.len() == 64 => (pixels, *label),
            _ => fail(format!(
                "{}: row {index} does not have 64 pixels and a label",
                csv.display()
            )),
        };
        let pixels: [u8; 64] = pixels.try_into().expect("64 pixels");
        digits.push((index, Digit { pixels, label }));
    }
    digits
}

/// The [`held_out_digits`] distorted with [`finetune::distort`] and split by
/// [`finetune::is_fine_tune_row`]: `(fine_tune, held_out)`.
pub fn unseen_distorted_digits(csv: &Path) -> (Vec<Digit>, Vec<Digit>) {
    let (mut fine_tune, mut held_out) = (Vec::new(), Vec::new());
    for (index, d) in held_out_digits(csv) {
        let digit = Digit {
            pixels: finetune::distort(&d.pixels),
            label: d.label,
        };
        if finetune::is_fine_tune_row(index) {
            fine_tune.push(digit);
        } else {
            held_out.push(digit);
        }
    }
    (fine_tune, held_out)
}

/// `pub static {name}: [f32; N] = […];`, every value exact.
pub fn static_f32s(name: &str, values: &[f32]) -> String {
    let mut src = format!(
        "{ALLOW_NUMBERS}pub static {name}: [f32; {}] = ",
        values.len()
    );
    embednn::codegen::write_f32_array(&mut src, values).expect("writing to a String cannot fail");
    src.push_str(";\n");
    src
}

/// `pub static {name}: [[u32; O]; N] = …;`: outputs as `f32` bit patterns, one row per input.
pub fn output_table<const O: usize>(name: &str, outputs: &[[f32; O]]) -> String {
    let mut src = format!("pub static {name}: [[u32; {O}]; {}] = [\n", outputs.len());
    for y in outputs {
        let row: Vec<String> = y.iter().map(|v| format!("{:#010x}", v.to_bits())).collect();
        writeln!(src, "    [{}],", row.join(", ")).unwrap();
    }
    src.push_str("];\n");
    src
}

/// `pub static {name}: [Golden<LEN, O>; N] = …;` for a model with any input shape: each input
/// flattened, with the host's output for it.
pub fn golden_tensors<M, const O: usize>(name: &str, model: &M, inputs: &[Input<M>]) -> String
where
    M: Model + Layer<Input<M>, Output = [f32; O]>,
{
    let len = <Input<M> as Buffer>::LEN;
    let mut src = format!(
        "pub static {name}: [firmware_common::Golden<{len}, {O}>; {}] = [\n",
        inputs.len()
    );
    let hex = |v: &[f32]| {
        v.iter()
            .map(|v| format!("{:#010x}", v.to_bits()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    for x in inputs {
        let y: [f32; O] = model.predict(x);
        writeln!(
            src,
            "    firmware_common::Golden {{ input: [{}], output: [{}] }},",
            hex(x.flat()),
            hex(&y)
        )
        .unwrap();
    }
    src.push_str("];\n");
    src
}

/// Runs the gesture fine-tuning recipe on the host and writes its result as
/// `pub const {name}: gesture_tune::Report = …;`, for the device to compare against bit for bit.
pub fn gesture_tune_reference(name: &str, model_file: &[u8]) -> String {
    let mut model = gesture_tune::GestureHead::init(Initializer::Zeros, &mut Rng::seed(0));
    let info: ModelInfo<'_> =
        ModelFile::load_into(&mut model, model_file).expect("checked by Build::load");
    let mut trainer: Box<gesture_tune::GestureTrainer> = Box::new(gesture_tune::trainer());
    let r = gesture_tune::run(&mut model, &mut trainer, &info, |_, _| {});
    let losses = r
        .losses
        .iter()
        .map(|l| format!("f32::from_bits({:#010x})", l.to_bits()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "/// The host's run of the same recipe (losses: {:?}).\n\
         pub const {name}: firmware_common::gesture_tune::Report = \
         firmware_common::gesture_tune::Report {{\n    \
         losses: [{losses}],\n    fine_tune_before: {}, fine_tune_after: {},\n    \
         held_out_before: {}, held_out_after: {},\n}};\n",
        r.losses, r.fine_tune_before, r.fine_tune_after, r.held_out_before, r.held_out_after
    )
}

/// `pub static {name}: [Digit; N] = …;`
pub fn digit_table(name: &str, digits: &[Digit]) -> String {
    let mut src = format!(
        "pub static {name}: [firmware_common::finetune::Digit; {}] = [\n",
        digits.len()
    );
    for d in digits {
        let px = d
            .pixels
            .iter()
            .map(u8::to_string)
            .collect::<Vec<_>>()
            .join(",");
        writeln!(
            src,
            "    firmware_common::finetune::Digit {{ pixels: [{px}], label: {} }},",
            d.label
        )
        .unwrap();
    }
    src.push_str("];\n");
    src
}

/// Runs the fine-tuning recipe on the host and writes its result as
/// `pub const {name}: Report = …;`, for the device to compare against bit for bit.
pub fn fine_tune_reference(
    name: &str,
    model_file: &[u8],
    fine_tune: &[Digit],
    held_out: &[Digit],
) -> String {
    let mut model = finetune::DigitsHead::init(Initializer::Zeros, &mut Rng::seed(0));
    let info: ModelInfo<'_> =
        ModelFile::load_into(&mut model, model_file).expect("checked by Build::load");
    let mut trainer: Box<HeadTrainer> = Box::new(finetune::trainer());
    let r = finetune::run(
        &mut model,
        &mut trainer,
        fine_tune,
        held_out,
        &info,
        |_, _| {},
    );
    let losses = r
        .losses
        .iter()
        .map(|l| format!("f32::from_bits({:#010x})", l.to_bits()))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "/// The host's run of the same recipe (losses: {:?}).\n\
         pub const {name}: firmware_common::finetune::Report = firmware_common::finetune::Report {{\n    \
         losses: [{losses}],\n    fine_tune_before: {}, fine_tune_after: {},\n    \
         held_out_before: {}, held_out_after: {},\n}};\n",
        r.losses, r.fine_tune_before, r.fine_tune_after, r.held_out_before, r.held_out_after
    )
}

/// The first `n` digits, standardized with the model file's statistics.
pub fn digit_inputs(digits: &[Digit], info: &ModelInfo<'_>, n: usize) -> Vec<[f32; 64]> {
    digits
        .iter()
        .take(n)
        .map(|d| finetune::input(d, info))
        .collect()
}

/// Seeded uniform inputs in [-1, 1).
pub fn random_inputs<const I: usize>(seed: u64, n: usize) -> Vec<[f32; I]> {
    let mut rng = Rng::seed(seed);
    (0..n)
        .map(|_| std::array::from_fn(|_| rng.uniform(-1.0, 1.0)))
        .collect()
}

/// A model of type `M` with seeded random weights (for timing; the values do not matter).
pub fn random_model<M: Init>(seed: u64) -> M {
    M::init(Initializer::GlorotUniform, &mut Rng::seed(seed))
}
