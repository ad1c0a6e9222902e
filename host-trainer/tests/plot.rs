//! Training-curve PNGs: valid files, both panels drawn, atomic writes, clear errors.

use std::path::Path;
use std::time::Duration;

use host_trainer::plot::{training_curves, PlotError, HEIGHT, PANEL_WIDTH};
use host_trainer::{EpochLog, History, Metric};

/// A Keras-like run: falling loss, rising accuracy, validation slightly worse, early stopping
/// that restored epoch 25 of 30.
fn synthetic_history(with_validation: bool, with_metrics: bool) -> History {
    let epochs = (0..30)
        .map(|epoch| {
            let t = epoch as f64;
            let loss = 1.2 * (-t / 8.0).exp() + 0.05;
            let accuracy = 1.0 - 0.6 * (-t / 6.0).exp();
            EpochLog {
                epoch,
                loss,
                metrics: if with_metrics {
                    vec![(Metric::Accuracy, accuracy)]
                } else {
                    Vec::new()
                },
                val_loss: with_validation.then_some(loss + 0.08 + 0.002 * t),
                val_metrics: if with_validation && with_metrics {
                    vec![(Metric::Accuracy, accuracy - 0.04)]
                } else {
                    Vec::new()
                },
                learning_rate: 0.01,
                duration: Duration::from_millis(12),
            }
        })
        .collect();
    History {
        epochs,
        best_epoch: Some(24),
        stopped_early: true,
        ..Default::default()
    }
}

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// Pixels in columns `x0..x1` for which `keep` holds.
    fn count(&self, x0: u32, x1: u32, keep: impl Fn([u8; 3]) -> bool) -> usize {
        (0..self.height)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| keep(self.pixel(x, y)))
            .count()
    }
}

fn decode(path: &Path) -> Image {
    let bytes = std::fs::read(path).expect("the plot was written");
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a valid PNG header");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("valid PNG data");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    assert_eq!(info.bit_depth, png::BitDepth::Eight);
    buf.truncate(info.buffer_size());
    Image {
        width: info.width,
        height: info.height,
        rgb: buf,
    }
}

/// Close to one of the curve colours (matplotlib blue and orange, as plot.rs draws them).
fn is_train_blue([r, g, b]: [u8; 3]) -> bool {
    r < 80 && (90..150).contains(&g) && b > 150
}
fn is_val_orange([r, g, b]: [u8; 3]) -> bool {
    r > 220 && (100..160).contains(&g) && b < 60
}
fn is_ink(p: [u8; 3]) -> bool {
    p.iter().all(|&c| c < 100)
}

#[test]
fn two_panels_with_curves_text_and_no_leftovers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.png");
    let history = synthetic_history(true, true);
    training_curves(&history, "Iris: Dense<4, 16> → Dense<16, 3>", &path).unwrap();

    let image = decode(&path);
    assert_eq!((image.width, image.height), (2 * PANEL_WIDTH, HEIGHT));
    // Background is white.
    assert_eq!(image.pixel(0, HEIGHT - 1), [255, 255, 255]);
    for (panel, x0) in ["loss", "accuracy"].iter().zip([0, PANEL_WIDTH]) {
        let x1 = x0 + PANEL_WIDTH;
        let blue = image.count(x0, x1, is_train_blue);
        let orange = image.count(x0, x1, is_val_orange);
        let ink = image.count(x0, x1, is_ink);
        assert!(
            blue > 300,
            "{panel} panel: training curve drawn ({blue} px)"
        );
        assert!(
            orange > 150,
            "{panel} panel: validation curve drawn ({orange} px)"
        );
        assert!(
            ink > 1000,
            "{panel} panel: axes and labels drawn ({ink} px)"
        );
    }
    // Title band at the top: dark text pixels there.
    let title_ink = (0..30)
        .flat_map(|y| (0..image.width).map(move |x| (x, y)))
        .filter(|&(x, y)| is_ink(image.pixel(x, y)))
        .count();
    assert!(title_ink > 100, "title drawn ({title_ink} px)");

    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left, ["curves.png"], "no temporary file is left behind");
}

#[test]
fn loss_only_history_gives_one_panel() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("loss.png");
    training_curves(&synthetic_history(false, false), "Sine", &path).unwrap();
    let image = decode(&path);
    assert_eq!((image.width, image.height), (PANEL_WIDTH, HEIGHT));
    assert!(image.count(0, PANEL_WIDTH, is_train_blue) > 300);
    assert_eq!(
        image.count(0, PANEL_WIDTH, is_val_orange),
        0,
        "no validation curve"
    );
}

#[test]
fn overwrites_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.png");
    std::fs::write(&path, b"old").unwrap();
    training_curves(&synthetic_history(true, true), "", &path).unwrap();
    decode(&path);
}

#[test]
fn single_epoch_and_non_finite_values_still_plot() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("one.png");
    let mut history = synthetic_history(true, true);
    history.epochs.truncate(1);
    history.best_epoch = Some(0);
    history.epochs[0].val_loss = Some(f64::NAN);
    training_curves(&history, "one epoch", &path).unwrap();
    decode(&path);
}

#[test]
fn empty_history_is_an_error_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.png");
    let err = training_curves(&History::default(), "empty", &path).unwrap_err();
    assert!(matches!(err, PlotError::EmptyHistory), "{err}");
    assert!(!path.exists());
}

#[test]
fn missing_directory_is_an_io_error_naming_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no/such/dir/curves.png");
    let err = training_curves(&synthetic_history(true, true), "x", &path).unwrap_err();
    assert!(matches!(err, PlotError::Io { .. }), "{err}");
    assert!(err.to_string().contains("curves.png"), "{err}");
}

/// Writes the plot where a person can look at it: `EMBEDNN_PLOT_DIR=/tmp cargo test --test plot`.
#[test]
fn sample_for_eyes() {
    if let Some(dir) = std::env::var_os("EMBEDNN_PLOT_DIR") {
        let dir = Path::new(&dir);
        training_curves(
            &synthetic_history(true, true),
            "Iris: Dense<4, 16> → Dense<16, 3>",
            &dir.join("curves.png"),
        )
        .unwrap();
        training_curves(
            &synthetic_history(false, false),
            "Sine",
            &dir.join("loss.png"),
        )
        .unwrap();
    }
}
