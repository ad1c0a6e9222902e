//! The audio front end: PCM samples to log-mel spectrograms and MFCCs, no heap, same bits on
//! every target.
//!
//! One module per step, in the order a clip goes through them:
//!
//! - [`frame`](mod@frame): framing ([`frame_count`]) and the periodic Hann window ([`hann`]);
//!   [`Sample`] converts `i16` PCM (÷ 32768) or `f32`.
//! - [`fft`]: the real FFT through [`microfft`](https://docs.rs/microfft) ([`RealFft`]) and the
//!   power spectrum ([`fft::bin_power`]).
//! - [`mel`]: the HTK-scale, unit-peak triangular mel filterbank ([`MelFilterbank`], librosa's
//!   `htk=True, norm=None`).
//! - [`dct`]: the orthonormal DCT-II to MFCCs ([`Dct`]).
//! - [`front_end`]: [`FrontEnd`], which runs them all with its parameters as constants of its
//!   type, and [`KwsFrontEnd`], the MLPerf Tiny keyword-spotting input (`[[f32; 10]; 49]`).
//!
//! The tables (window, filterbank, DCT) are computed at compile time by `const fn`s in `f64`
//! (`libm` is not `const`); at run time the only transcendental function is `libm::logf`, and
//! every sum has a fixed order.
//!
//! ```
//! use embednn::audio::KwsFrontEnd;
//!
//! const FRONT_END: KwsFrontEnd = KwsFrontEnd::new();
//! // A 1 kHz tone at half scale.
//! let clip: [f32; 16_000] =
//!     core::array::from_fn(|n| 0.5 * libm::sinf(2.0 * core::f32::consts::PI * 1000.0 * n as f32 / 16_000.0));
//! let mut log_mel = [[0.0f32; 40]; 49];
//! FRONT_END.log_mel(&clip, &mut log_mel);
//! // The loudest band is the one whose triangle peaks nearest 1 kHz.
//! let loudest = (0..40).max_by(|&a, &b| log_mel[0][a].total_cmp(&log_mel[0][b])).unwrap();
//! assert!(FRONT_END.filterbank().bins(loudest).contains(&64)); // bin 64 = 1000 Hz
//! assert_eq!(KwsFrontEnd::MFCC_BYTES, 49 * 10 * 4);
//! ```

#![forbid(unsafe_code)]

mod const_math;
pub mod dct;
pub mod fft;
pub mod frame;
pub mod front_end;
pub mod mel;

pub use dct::Dct;
pub use fft::RealFft;
pub use frame::{frame_count, hann, Sample};
pub use front_end::{FrontEnd, KwsFrontEnd};
pub use mel::MelFilterbank;
