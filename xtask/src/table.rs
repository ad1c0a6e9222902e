//! The benchmark's tables (Markdown) and its `RESULT bench` lines.

use crate::fields::Line;

/// One model's figures: the firmware's `BENCH` line and sizes from its ELF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelRow {
    /// The model's name (the benchmark binary's).
    pub model: String,
    /// Multiply-accumulates per inference.
    pub macs: u64,
    /// Instructions of all timed inferences.
    pub instructions: u64,
    /// Inferences timed.
    pub reps: u64,
    /// Instructions per inference (as the firmware computed it).
    pub per_inference: u64,
    /// Flash: `.vector_table + .text + .rodata + .data`.
    pub flash: u64,
    /// Static RAM: `.data + .bss + .uninit`.
    pub statics: u64,
    /// Peak stack by painting.
    pub stack: u64,
    /// `Model::PARAM_BYTES`.
    pub param_bytes: u64,
    /// `Model::INFERENCE_BYTES`.
    pub inference_bytes: u64,
}

impl ModelRow {
    /// The row of a `BENCH` line and the ELF's `flash` and `statics`.
    pub fn new(bench: &Line, flash: u64, statics: u64) -> Result<ModelRow, String> {
        Ok(ModelRow {
            model: bench.get("model")?.to_string(),
            macs: bench.num("macs")?,
            instructions: bench.num("instructions")?,
            reps: bench.num("reps")?,
            per_inference: bench.num("per_inference")?,
            flash,
            statics,
            stack: bench.num("peak_stack")?,
            param_bytes: bench.num("param_bytes")?,
            inference_bytes: bench.num("inference_bytes")?,
        })
    }

    /// Instructions per MAC over all timed inferences.
    pub fn per_mac(&self) -> f64 {
        self.instructions as f64 / (self.reps as f64 * self.macs as f64)
    }

    /// The machine-readable line:
    /// `RESULT bench model=NAME macs=N instructions=N flash=N statics=N stack=N` (instructions
    /// per inference, bytes).
    pub fn result_line(&self) -> String {
        format!(
            "RESULT bench model={} macs={} instructions={} flash={} statics={} stack={}",
            self.model, self.macs, self.per_inference, self.flash, self.statics, self.stack
        )
    }
}

/// The models' table.
pub fn models_table(rows: &[ModelRow]) -> String {
    let mut t = String::from(
        "| model | MACs | instr/inference | instr/MAC | flash | RAM (static) | peak stack | PARAM_BYTES | INFERENCE_BYTES |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        t += &format!(
            "| {} | {} | {} | {:.2} | {} | {} | {} | {} | {} |\n",
            r.model,
            commas(r.macs),
            commas(r.per_inference),
            r.per_mac(),
            commas(r.flash),
            commas(r.statics),
            commas(r.stack),
            commas(r.param_bytes),
            commas(r.inference_bytes)
        );
    }
    t
}

/// The single layers' table, from the `LAYER` lines: a layer without MACs (activation, pooling)
/// is timed per output element.
pub fn layers_table(layers: &[Line]) -> Result<String, String> {
    let mut t = String::from("| layer | MACs | instr/call | instr/MAC |\n|---|---:|---:|---:|\n");
    for l in layers {
        let macs = l.num("macs")?;
        let per_unit = l.num("milli_per_unit")? as f64 / 1000.0;
        t += &format!(
            "| {} | {} | {} | {:.2}{} |\n",
            l.get("name")?,
            if macs == 0 {
                "—".into()
            } else {
                commas(macs)
            },
            commas(l.num("per_call")?),
            per_unit,
            if macs == 0 { " per output" } else { "" }
        );
    }
    Ok(t)
}

/// The int8 fully connected layers' table, from `fc_int8`'s `FC` lines: embednn's and
/// CMSIS-NN's instructions per call and per MAC, and embednn's dot products alone (`kernel`;
/// `0` for the whole model) (`cmsis=0`: CMSIS-NN was not built in).
pub fn fc_table(lines: &[Line]) -> Result<String, String> {
    let mut t = String::from(
        "| layer | MACs | embednn instr | embednn instr/MAC | of which dot products, instr/MAC | CMSIS-NN instr | CMSIS-NN instr/MAC |\n\
         |---|---:|---:|---:|---:|---:|---:|\n",
    );
    for l in lines {
        let macs = l.num("macs")?;
        let (ours, kernel, theirs) = (l.num("embednn")?, l.num("kernel")?, l.num("cmsis")?);
        let per_mac = |n: u64| format!("{:.2}", n as f64 / macs.max(1) as f64);
        let name = l.get("name")?;
        let name = if name == "model" {
            "whole model (10 layers)".to_string()
        } else {
            name.replace('x', " → ")
        };
        let (theirs, theirs_per_mac) = if theirs == 0 {
            ("—".to_string(), "—".to_string())
        } else {
            (commas(theirs), per_mac(theirs))
        };
        let kernel = if kernel == 0 {
            "—".to_string()
        } else {
            per_mac(kernel)
        };
        t += &format!(
            "| {name} | {} | {} | {} | {kernel} | {theirs} | {theirs_per_mac} |\n",
            commas(macs),
            commas(ours),
            per_mac(ours)
        );
    }
    Ok(t)
}

/// `n` with thousands separators: `1,063,456`.
pub fn commas(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SINE: &str = "BENCH model=sine macs=288 params=321 param_bytes=1284 inference_bytes=144 \
                        reps=3571 instructions=4010233 per_inference=1123 milli_per_mac=3899 \
                        peak_stack=456 statics=8";

    #[test]
    fn thousands() {
        assert_eq!(commas(0), "0");
        assert_eq!(commas(999), "999");
        assert_eq!(commas(1000), "1,000");
        assert_eq!(commas(264192), "264,192");
        assert_eq!(commas(1063456), "1,063,456");
    }

    #[test]
    fn model_row_and_result_line() {
        let row = ModelRow::new(&Line::parse(SINE), 11020, 12).unwrap();
        assert_eq!(
            row.result_line(),
            "RESULT bench model=sine macs=288 instructions=1123 flash=11020 statics=12 stack=456"
        );
        // The result line reads back with the same parser.
        let back = Line::parse(&row.result_line());
        assert_eq!(back.head, ["RESULT", "bench"]);
        assert_eq!(back.num("flash"), Ok(11020));
        assert!(ModelRow::new(&Line::parse("BENCH model=x macs=1"), 0, 0).is_err());
    }

    #[test]
    fn models_markdown() {
        let ae = "BENCH model=autoencoder macs=264192 param_bytes=1063456 inference_bytes=6224 \
                  reps=6 instructions=3552078 per_inference=592013 peak_stack=5688";
        let rows = [
            ModelRow::new(&Line::parse(SINE), 11020, 12).unwrap(),
            ModelRow::new(&Line::parse(ae), 1109112, 12).unwrap(),
        ];
        assert_eq!(
            models_table(&rows),
            "| model | MACs | instr/inference | instr/MAC | flash | RAM (static) | peak stack | PARAM_BYTES | INFERENCE_BYTES |\n\
             |---|---:|---:|---:|---:|---:|---:|---:|---:|\n\
             | sine | 288 | 1,123 | 3.90 | 11,020 | 12 | 456 | 1,284 | 144 |\n\
             | autoencoder | 264,192 | 592,013 | 2.24 | 1,109,112 | 12 | 5,688 | 1,063,456 | 6,224 |\n"
        );
    }

    #[test]
    fn fc_markdown() {
        let out = "FC name=640x128 macs=81920 embednn=115447 kernel=106000 cmsis=160100\n\
                   FC name=model macs=264192 embednn=483040 kernel=0 cmsis=0\n";
        assert_eq!(
            fc_table(&Line::all(out, &["FC"])).unwrap(),
            "| layer | MACs | embednn instr | embednn instr/MAC | of which dot products, instr/MAC | CMSIS-NN instr | CMSIS-NN instr/MAC |\n\
             |---|---:|---:|---:|---:|---:|---:|\n\
             | 640 → 128 | 81,920 | 115,447 | 1.41 | 1.29 | 160,100 | 1.95 |\n\
             | whole model (10 layers) | 264,192 | 483,040 | 1.83 | — | — | — |\n"
        );
    }

    #[test]
    fn layers_markdown() {
        let out = "LAYER name=DS-CNN conv 10x4, 1->64, stride 2 macs=320000 work=320000 per_call=636706 milli_per_unit=1989\n\
                   LAYER name=DS-CNN ReLU 25x5x64 macs=0 work=8000 per_call=50014 milli_per_unit=6251\n";
        assert_eq!(
            layers_table(&Line::all(out, &["LAYER"])).unwrap(),
            "| layer | MACs | instr/call | instr/MAC |\n|---|---:|---:|---:|\n\
             | DS-CNN conv 10x4, 1->64, stride 2 | 320,000 | 636,706 | 1.99 |\n\
             | DS-CNN ReLU 25x5x64 | — | 50,014 | 6.25 per output |\n"
        );
    }
}
