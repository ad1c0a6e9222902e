//! `embednn-import MODEL.tflite [TYPE_NAME]`: lists the model's operators, then prints the Rust
//! type of the embednn model it becomes, or the operator it cannot import and why.

use std::process::ExitCode;

use embednn_import::{Graph, Import, Precision};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: embednn-import MODEL.tflite [TYPE_NAME]");
        return ExitCode::from(2);
    };
    let name = args.get(1).map_or("Model", String::as_str);
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let graph = match Graph::parse(&bytes) {
        Ok(g) => g,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "{path}: schema version {}, {} operators, {} tensors",
        graph.version,
        graph.ops.len(),
        graph.tensors.len()
    );
    for op in &graph.ops {
        eprintln!("  {:>3}  {:<20} {}", op.index, op.name(), graph.shapes(op));
    }
    match Import::of(&graph) {
        Ok(import) => {
            let precision = match import.precision {
                Precision::Float => "f32",
                Precision::Int8 { .. } => "int8",
            };
            eprintln!(
                "imports: {} embednn layers, {} parameters, {precision}",
                import.depth(),
                import.params
            );
            print!("{}", import.rust_type(name));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot import: {e}");
            ExitCode::FAILURE
        }
    }
}
