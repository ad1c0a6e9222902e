//! Runs the host-trained CNNs on the device with their weights in flash and compares every
//! output with the host's, bit for bit: the digits CNN on the 359 held-out digits, the gesture
//! CNN on the 600 test windows (which the device regenerates with the seeded generator), and a
//! DS-CNN with random weights and folded batch norms on three inputs. Reports each model's
//! accuracy next to the host's; exits with failure on any difference.
#![no_std]
#![no_main]
#![forbid(unsafe_code)]

use cortex_m_rt::entry;
use embednn::prelude::*;
use embednn_models::ds_cnn::{DsCnn, Features};
use embednn_models::gestures::{labelled, TEST_SEED, TEST_WINDOWS};
use embednn_models::{DigitsCnn, GestureCnn};
use firmware_common::finetune;
use firmware_device::golden::Check;
use firmware_device::{println, stack};
use firmware_m4f::{digits_cnn, ds_cnn, gestures};
use panic_semihosting as _;

#[entry]
fn main() -> ! {
    println!(
        "CNNs on the Cortex-M4F, weights in flash: {} bytes of statics, {} bytes of stack",
        stack::static_ram(),
        stack::capacity()
    );
    let mut ok = true;

    println!(
        "digits CNN: {} parameters ({} bytes of flash), {} MACs, {} bytes of RAM per inference",
        DigitsCnn::PARAMS,
        DigitsCnn::PARAM_BYTES,
        DigitsCnn::MACS,
        DigitsCnn::INFERENCE_BYTES
    );
    let ((check, correct), used) = stack::measure(|| {
        let (mut check, mut correct) = (Check::default(), 0);
        for (digit, host) in digits_cnn::DIGITS.iter().zip(&digits_cnn::GOLDEN) {
            let x = finetune::image(digit, &digits_cnn::MEAN, &digits_cnn::STD);
            let y = digits_cnn::MODEL.predict(&x);
            check.add(&y, host);
            correct += usize::from(y.argmax() == usize::from(digit.label));
        }
        (check, correct)
    });
    ok &= report(
        "digits CNN, held-out digits",
        check,
        correct,
        digits_cnn::HOST_CORRECT,
        digits_cnn::DIGITS.len(),
        used,
    );

    println!(
        "gesture CNN: {} parameters ({} bytes of flash), {} MACs, {} bytes of RAM per inference",
        GestureCnn::PARAMS,
        GestureCnn::PARAM_BYTES,
        GestureCnn::MACS,
        GestureCnn::INFERENCE_BYTES
    );
    let ((check, correct), used) = stack::measure(|| {
        let (mut check, mut correct) = (Check::default(), 0);
        for (i, host) in (0..TEST_WINDOWS as u64).zip(&gestures::GOLDEN) {
            let (gesture, window) = labelled(TEST_SEED, i);
            let y = gestures::MODEL.predict(&window);
            check.add(&y, host);
            correct += usize::from(y.argmax() == gesture.index());
        }
        (check, correct)
    });
    ok &= report(
        "gesture CNN, test windows generated on the device",
        check,
        correct,
        gestures::HOST_CORRECT,
        TEST_WINDOWS,
        used,
    );

    println!(
        "DS-CNN (random, batch norms folded): {} parameters ({} bytes of flash), {} MACs, {} bytes of RAM per inference",
        DsCnn::PARAMS,
        DsCnn::PARAM_BYTES,
        DsCnn::MACS,
        DsCnn::INFERENCE_BYTES
    );
    let (check, used) = stack::measure(|| {
        let mut check = Check::default();
        for g in &ds_cnn::GOLDEN {
            if let Some(x) = Features::from_slice(&g.input()) {
                check.add(&ds_cnn::MODEL.predict(&x), &g.output);
            }
        }
        check
    });
    ok &= report(
        "DS-CNN, random inputs",
        check,
        0,
        0,
        ds_cnn::GOLDEN.len(),
        used,
    );
    println!("{}", if ok { "PASS" } else { "FAIL" });
    firmware_device::exit(ok)
}

/// Prints one model's result; true if every output was identical and the device's accuracy is
/// the host's.
fn report(what: &str, check: Check, correct: usize, host: usize, of: usize, stack: usize) -> bool {
    let identical = check.passed();
    println!(
        "  {}: {} outputs, {} differ from the host's (largest difference {} ulp); stack {} bytes",
        what, check.outputs, check.mismatches, check.max_ulps, stack
    );
    if host > 0 || correct > 0 {
        println!(
            "  accuracy on the device {}/{} ({}%), on the host {}/{}",
            correct,
            of,
            correct as f32 * 100.0 / of as f32,
            host,
            of
        );
    }
    identical && correct == host
}
