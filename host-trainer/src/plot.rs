//! Training curves as a PNG: what Keras users draw from `history.history` with matplotlib.
//!
//! [`training_curves`] lays the panels side by side, each [`PANEL_WIDTH`] pixels wide and the
//! same height: first the loss (`loss`, and `val_loss` dashed when there is validation data), then
//! one panel per metric (`accuracy` and `val_accuracy`, …). When early stopping restored an
//! earlier epoch's weights, a grey vertical line marks that epoch.
//!
//! Text is drawn with DejaVu Sans compiled into the binary (the `dejavu` crate, through plotters'
//! `ab_glyph` backend), so a plot renders the same on a fresh CI box without fonts as on a
//! desktop. The PNG is written atomically: a crash never leaves a half-written file.
//!
//! ```no_run
//! # fn demo(history: &host_trainer::History) -> Result<(), host_trainer::plot::PlotError> {
//! host_trainer::plot::training_curves(history, "Iris, 16 hidden units", "iris.png".as_ref())?;
//! # Ok(()) }
//! ```

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::{register_font, FontStyle, RGBColor};

use crate::fit::History;

/// Width of one panel in pixels.
pub const PANEL_WIDTH: u32 = 640;
/// Height of the image in pixels (title included).
pub const HEIGHT: u32 = 480;

/// The family name the embedded font is registered under.
const FONT: &str = "DejaVu Sans (embedded)";
/// Training curves: solid blue; validation curves: dashed orange (matplotlib's first two colours).
const TRAIN_COLOR: RGBColor = RGBColor(31, 119, 180);
const VAL_COLOR: RGBColor = RGBColor(255, 127, 14);
const BEST_COLOR: RGBColor = RGBColor(128, 128, 128);
/// Above this many epochs, markers would hide the line.
const MAX_MARKED_EPOCHS: usize = 40;

/// Why a plot could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The history has no epochs.
    #[error("nothing to plot: the training history has no epochs")]
    EmptyHistory,
    /// The font compiled into the binary was rejected by the text renderer.
    #[error("the embedded font could not be loaded")]
    Font,
    /// Drawing failed.
    #[error("drawing the plot failed: {0}")]
    Draw(String),
    /// The PNG could not be encoded.
    #[error("{path}: cannot encode the PNG: {source}")]
    Encode {
        /// The file being written.
        path: PathBuf,
        /// What the encoder said.
        source: png::EncodingError,
    },
    /// The file could not be written.
    #[error("{path}: cannot write: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
}

/// Draws the loss and every metric of `history` against the epoch (1-based, as Keras prints it)
/// and writes them as a PNG to `path`, replacing it atomically.
///
/// The image is `PANEL_WIDTH × (1 + metrics)` by [`HEIGHT`] pixels, `title` centred on top.
/// Non-finite values (a diverged loss) are left out of the curves rather than breaking the axes.
///
/// Errors: [`PlotError::EmptyHistory`] if there is nothing to draw, [`PlotError::Io`] /
/// [`PlotError::Encode`] if the file cannot be written.
pub fn training_curves(history: &History, title: &str, path: &Path) -> Result<(), PlotError> {
    let panels = panels(history);
    if history.epochs.is_empty() || panels.is_empty() {
        return Err(PlotError::EmptyHistory);
    }
    let width = PANEL_WIDTH * panels.len() as u32;
    let pixels = render(history, &panels, title, (width, HEIGHT))?;
    write_png_atomically(path, &pixels, (width, HEIGHT))
}

/// One line on a panel.
struct Curve {
    name: String,
    validation: bool,
    /// (epoch, value), finite values only.
    points: Vec<(f64, f64)>,
}

/// One chart: the loss or one metric, training and validation.
struct Panel {
    /// The quantity, as Keras names it (`loss`, `accuracy`, …).
    quantity: String,
    curves: Vec<Curve>,
}

/// The loss panel, then one panel per metric in the order they were logged.
fn panels(history: &History) -> Vec<Panel> {
    let mut quantities = vec!["loss".to_string()];
    for log in &history.epochs {
        for (metric, _) in log.metrics.iter().chain(&log.val_metrics) {
            let name = metric.name().to_string();
            if !quantities.contains(&name) {
                quantities.push(name);
            }
        }
    }
    quantities
        .into_iter()
        .map(|quantity| {
            let curves = [(quantity.clone(), false), (format!("val_{quantity}"), true)]
                .into_iter()
                .filter_map(|(name, validation)| {
                    let points: Vec<(f64, f64)> = history
                        .epochs
                        .iter()
                        .filter_map(|log| Some((log.epoch as f64 + 1.0, log.get(&name)?)))
                        .filter(|(_, v)| v.is_finite())
                        .collect();
                    (!points.is_empty()).then_some(Curve {
                        name,
                        validation,
                        points,
                    })
                })
                .collect();
            Panel { quantity, curves }
        })
        .collect()
}

/// The embedded font, registered with plotters once per process.
fn register_embedded_font() -> Result<(), PlotError> {
    static READY: OnceLock<bool> = OnceLock::new();
    let ready = *READY.get_or_init(|| {
        register_font(FONT, FontStyle::Normal, dejavu::sans::regular()).is_ok()
            && register_font(FONT, FontStyle::Bold, dejavu::sans::bold()).is_ok()
    });
    if ready {
        Ok(())
    } else {
        Err(PlotError::Font)
    }
}

fn draw_error<E: std::error::Error + Send + Sync>(e: DrawingAreaErrorKind<E>) -> PlotError {
    PlotError::Draw(e.to_string())
}

/// Draws every panel into an RGB buffer.
fn render(
    history: &History,
    panels: &[Panel],
    title: &str,
    (width, height): (u32, u32),
) -> Result<Vec<u8>, PlotError> {
    register_embedded_font()?;
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_error)?;
        // A little air above the title.
        let framed = root.margin(6, 0, 0, 0);
        let body = if title.is_empty() {
            framed
        } else {
            framed
                .titled(title, (FONT, 24, FontStyle::Bold))
                .map_err(draw_error)?
        };
        let areas = body.split_evenly((1, panels.len()));
        for (panel, area) in panels.iter().zip(&areas) {
            draw_panel(area, panel, history)?;
        }
        root.present().map_err(draw_error)?;
    }
    Ok(pixels)
}

/// The best epoch (1-based) when it is not simply the last one.
fn best_epoch_marker(history: &History) -> Option<f64> {
    let best = history.best_epoch?;
    let last = history.epochs.last()?.epoch;
    (best != last).then_some(best as f64 + 1.0)
}

fn draw_panel(
    area: &DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>,
    panel: &Panel,
    history: &History,
) -> Result<(), PlotError> {
    let epochs = history.epochs.len().max(1) as f64;
    let (y_min, y_max) = value_range(panel.curves.iter().flat_map(|c| &c.points).map(|p| p.1));
    let mut chart = ChartBuilder::on(area)
        .caption(title_case(&panel.quantity), (FONT, 20))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(64)
        .build_cartesian_2d(0.5..epochs + 0.5, y_min..y_max)
        .map_err(draw_error)?;
    let integer_only = |x: &f64| {
        if (x - x.round()).abs() < 1e-9 {
            format!("{x:.0}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(panel.quantity.as_str())
        .x_labels(history.epochs.len().clamp(2, 10))
        .x_label_formatter(&integer_only)
        .y_labels(8)
        .label_style((FONT, 14))
        .axis_desc_style((FONT, 16))
        .max_light_lines(0)
        .bold_line_style(RGBColor(225, 225, 225))
        .draw()
        .map_err(draw_error)?;

    if let Some(best) = best_epoch_marker(history) {
        chart
            .draw_series(DashedLineSeries::new(
                [(best, y_min), (best, y_max)],
                6,
                4,
                BEST_COLOR.stroke_width(1),
            ))
            .map_err(draw_error)?
            .label(format!("best epoch ({best:.0})"))
            .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BEST_COLOR.stroke_width(1)));
    }

    let marked = history.epochs.len() <= MAX_MARKED_EPOCHS;
    for curve in &panel.curves {
        let color = if curve.validation {
            VAL_COLOR
        } else {
            TRAIN_COLOR
        };
        let style = color.stroke_width(2);
        let series = if curve.validation {
            chart.draw_series(DashedLineSeries::new(
                curve.points.iter().copied(),
                8,
                5,
                style,
            ))
        } else {
            chart.draw_series(LineSeries::new(curve.points.iter().copied(), style))
        };
        series
            .map_err(draw_error)?
            .label(curve.name.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], style));
        if marked {
            chart
                .draw_series(
                    curve
                        .points
                        .iter()
                        .map(|&p| Circle::new(p, 3, color.filled())),
                )
                .map_err(draw_error)?;
        }
    }

    chart
        .configure_series_labels()
        .position(legend_position(panel))
        .label_font((FONT, 14))
        .background_style(WHITE.mix(0.85))
        .border_style(RGBColor(160, 160, 160))
        .draw()
        .map_err(draw_error)?;
    Ok(())
}

/// The legend goes where the curves usually are not: top right for a falling quantity (loss,
/// errors), bottom right for a rising one (accuracy).
fn legend_position(panel: &Panel) -> SeriesLabelPosition {
    let rising = panel.curves.first().is_some_and(|c| {
        let first = c.points.first().map(|p| p.1);
        let last = c.points.last().map(|p| p.1);
        matches!((first, last), (Some(a), Some(b)) if b > a)
    });
    if rising {
        SeriesLabelPosition::LowerRight
    } else {
        SeriesLabelPosition::UpperRight
    }
}

/// The span of `values` with 5 % headroom on each side; a constant or empty series still gets a
/// visible range.
fn value_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    if !lo.is_finite() || !hi.is_finite() {
        return (0.0, 1.0);
    }
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        (lo.abs() * 0.1).max(0.05)
    };
    (lo - pad, hi + pad)
}

/// `accuracy` → `Accuracy`, `mae` → `MAE`, for panel captions.
fn title_case(name: &str) -> String {
    if matches!(name, "mae" | "mse") {
        return name.to_uppercase();
    }
    let words = name.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Encodes `rgb` as a PNG into a temporary file next to `path`, flushes it to disk, then renames
/// it over `path`; the temporary file is removed if anything fails.
fn write_png_atomically(
    path: &Path,
    rgb: &[u8],
    (width, height): (u32, u32),
) -> Result<(), PlotError> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let io_error = |source| PlotError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| Path::new("."));
    let name = path.file_name().ok_or_else(|| {
        io_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the path names no file",
        ))
    })?;
    let tmp = dir.join(format!(
        ".{}.{}.{}.tmp",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        let file = File::create(&tmp).map_err(io_error)?;
        let mut out = BufWriter::new(file);
        let encode_error = |source| PlotError::Encode {
            path: path.to_path_buf(),
            source,
        };
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(encode_error)?;
        writer.write_image_data(rgb).map_err(encode_error)?;
        writer.finish().map_err(encode_error)?;
        let file = out.into_inner().map_err(|e| io_error(e.into_error()))?;
        file.sync_all().map_err(io_error)?;
        std::fs::rename(&tmp, path).map_err(io_error)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn value_range_pads_and_survives_constants() {
        assert_eq!(value_range([0.0, 1.0].into_iter()), (-0.05, 1.05));
        let (lo, hi) = value_range([2.0, 2.0].into_iter());
        assert!(lo < 2.0 && hi > 2.0);
        assert_eq!(value_range(std::iter::empty()), (0.0, 1.0));
    }

    #[test]
    fn captions() {
        assert_eq!(title_case("val_accuracy"), "Val accuracy");
        assert_eq!(title_case("loss"), "Loss");
        assert_eq!(title_case("mse"), "MSE");
    }
}
