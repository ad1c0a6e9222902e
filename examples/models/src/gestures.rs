//! Synthetic accelerometer gestures: a seeded generator of labelled 3-axis windows.
//!
//! Each window is [`WINDOW`] samples (1.28 s at [`SAMPLE_RATE_HZ`] = 50 Hz) of a 3-axis
//! accelerometer in units of g, laid out `[[x, y, z]; 64]` — the `[[f32; 3]; 64]` input of
//! [`GestureCnn`](crate::GestureCnn). Like a real accelerometer the readings include gravity,
//! so a device lying flat reads about `[0, 0, 1]`.
//!
//! The generator is `no_std`, uses no heap and draws every random number from
//! [`embednn::Rng`], whose stream is bit-identical on every target. Window `i` of a data set
//! depends only on `(seed, i)` ([`labelled`]), so firmware can regenerate exactly the test
//! windows the host evaluated — no data file needs to be shipped to the device.
//!
//! # The gestures
//!
//! | class | what the hand does | signal (device frame) |
//! |---|---|---|
//! | [`Idle`](Gesture::Idle) | holds the device or leaves it on a desk | gravity only; sometimes a small bump (0.1–0.5 g) or a slow posture change (≤ 12°) |
//! | [`Shake`](Gesture::Shake) | shakes it back and forth | 3–7 Hz oscillation, 0.4–2.5 g, along one mostly horizontal axis, lasting 0.6–1.2 s |
//! | [`Tap`](Gesture::Tap) | taps it once or twice | 1–2 spikes (0.6–3.5 g) ringing down in 20–60 ms, mostly along z |
//! | [`Circle`](Gesture::Circle) | draws circles in the air | two axes in quadrature (an ellipse), 0.8–2 turns per second, 0.3–1.2 g |
//! | [`Tilt`](Gesture::Tilt) | turns it 25–80° and holds | gravity rotates to a new direction over 0.25–0.7 s |
//! | [`Swipe`](Gesture::Swipe) | flicks it once sideways | one push-and-stop cycle (0.2–0.5 s), 0.5–2 g |
//!
//! # What varies from window to window
//!
//! - **Orientation** (the gravity offset): the device is held with random roll and pitch of up
//!   to ±25°, so gravity spreads over all three axes.
//! - **Amplitude, speed and phase** of every gesture, in the ranges above, and **when** in the
//!   window it happens (a gesture may start before or end after the window).
//! - **Hand motion**: every window, whatever its class, carries a slow wobble of two random
//!   sinusoids (0.3–2 Hz, up to 0.06 g per axis), as a hand never holds perfectly still.
//! - **Sensor imperfections**: a per-axis offset (±0.04 g) and gain error (±3 %), white noise
//!   (σ = 0.01–0.05 g), a full-scale range of ±4 g (peaks clip, as on an LIS3DH at ±4 g) and
//!   quantization to 1/1024 g.
//!
//! The classes overlap at their edges on purpose: a hard desk bump looks like a soft tap, a
//! short low shake like a swipe, a small tilt like an idle posture change. A classifier should
//! do well but not perfectly.
//!
//! ```
//! use embednn_models::gestures::{labelled, Gesture, TEST_SEED, WINDOW};
//!
//! let (gesture, window) = labelled(TEST_SEED, 7);
//! assert_eq!(gesture, Gesture::ALL[7 % Gesture::COUNT]); // classes take turns: balanced
//! assert_eq!(window.len(), WINDOW);
//! assert_eq!(labelled(TEST_SEED, 7), (gesture, window)); // the same on every run and target
//! ```

use core::f32::consts::{PI, TAU};

use embednn::Rng;
use libm::{cosf, expf, sinf, sqrtf};

/// Samples per second.
pub const SAMPLE_RATE_HZ: f32 = 50.0;
/// Samples per window (1.28 s).
pub const WINDOW: usize = 64;
/// Accelerometer axes: x, y, z.
pub const AXES: usize = 3;
/// One window of readings in g, `window[t] = [x, y, z]`.
pub type Window = [[f32; AXES]; WINDOW];

/// Full-scale range of the simulated sensor, ±g.
pub const FULL_SCALE_G: f32 = 4.0;
/// Resolution of the simulated sensor, g per count.
pub const RESOLUTION_G: f32 = 1.0 / 1024.0;

/// Seed of the training set of the `gestures` example (windows `0..TRAIN_WINDOWS`; the
/// validation windows follow them, `TRAIN_WINDOWS..TRAIN_WINDOWS + VALIDATION_WINDOWS`).
pub const TRAIN_SEED: u64 = 0x6E57_0001;
/// Windows the `gestures` example trains on.
pub const TRAIN_WINDOWS: usize = 6000;
/// Windows the `gestures` example validates on after every epoch.
pub const VALIDATION_WINDOWS: usize = 600;
/// Seed of the held-out test set: windows `0..TEST_WINDOWS`, which firmware regenerates to
/// check the deployed model against the host's accuracy.
pub const TEST_SEED: u64 = 0x6E57_7E57;
/// Windows in the held-out test set (100 per class).
pub const TEST_WINDOWS: usize = 600;

/// The gesture classes, in label order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gesture {
    /// At rest: gravity, hand wobble and sensor noise; sometimes a small bump or a slow posture
    /// change.
    Idle,
    /// Shaken back and forth along one mostly horizontal axis.
    Shake,
    /// Tapped once or twice.
    Tap,
    /// Moved in circles (ellipses) in the air.
    Circle,
    /// Turned to a new orientation and held there.
    Tilt,
    /// Flicked once sideways.
    Swipe,
}

impl Gesture {
    /// Number of classes.
    pub const COUNT: usize = 6;
    /// Every class, in label order (`ALL[g.index()] == g`).
    pub const ALL: [Gesture; Gesture::COUNT] = [
        Gesture::Idle,
        Gesture::Shake,
        Gesture::Tap,
        Gesture::Circle,
        Gesture::Tilt,
        Gesture::Swipe,
    ];
    /// The class names, in label order (for the model file and reports).
    pub const NAMES: [&'static str; Gesture::COUNT] =
        ["idle", "shake", "tap", "circle", "tilt", "swipe"];

    /// The label: position in [`Gesture::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The class with label `i`, if there is one.
    pub const fn from_index(i: usize) -> Option<Gesture> {
        if i < Gesture::COUNT {
            Some(Gesture::ALL[i])
        } else {
            None
        }
    }

    /// Lower-case name.
    pub const fn name(self) -> &'static str {
        Gesture::NAMES[self.index()]
    }
}

/// How a user moves: how fast and how hard, relative to the users of the training data.
///
/// [`Style::USUAL`] is the data set the examples train and test on. Another style is a new user
/// — a shifted distribution, for fine-tuning on a device (see the firmware's gesture
/// fine-tuning): `speed` scales every gesture frequency and divides every gesture duration,
/// `strength` scales every gesture amplitude (shake, tap, circle, swipe and the tilt's jolt).
/// Idle windows, orientation, hand wobble and the sensor do not depend on the user.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Style {
    /// 1 = the usual speed; 0.5 = every gesture takes twice as long.
    pub speed: f32,
    /// 1 = the usual amplitudes; 1.5 = every gesture half as strong again.
    pub strength: f32,
}

impl Style {
    /// The users the training and test data come from (exactly the windows of [`labelled`]).
    pub const USUAL: Style = Style {
        speed: 1.0,
        strength: 1.0,
    };
}

/// Window `index` of the data set `seed`: its class is `ALL[index % 6]` (so any run of 6
/// consecutive windows holds each class once) and its samples come from
/// `Rng::stream(seed, index)` alone.
pub fn labelled(seed: u64, index: u64) -> (Gesture, Window) {
    labelled_in_style(seed, index, Style::USUAL)
}

/// [`labelled`] for a user who moves in `style` (the same random draws, so the same gestures
/// made slower or faster, weaker or stronger).
pub fn labelled_in_style(seed: u64, index: u64, style: Style) -> (Gesture, Window) {
    let gesture = Gesture::ALL[(index % Gesture::COUNT as u64) as usize];
    let mut rng = Rng::stream(seed, index);
    (gesture, generate_in_style(gesture, &mut rng, style))
}

/// One window of `gesture`, drawing from `rng`.
pub fn generate(gesture: Gesture, rng: &mut Rng) -> Window {
    generate_in_style(gesture, rng, Style::USUAL)
}

/// One window of `gesture` made in `style`, drawing from `rng`.
pub fn generate_in_style(gesture: Gesture, rng: &mut Rng, style: Style) -> Window {
    // The device's resting orientation: gravity in the device frame.
    let roll = rng.uniform(-25.0, 25.0).to_radians();
    let pitch = rng.uniform(-25.0, 25.0).to_radians();
    let gravity = [
        -sinf(pitch),
        sinf(roll) * cosf(pitch),
        cosf(roll) * cosf(pitch),
    ];
    let mut signal = [gravity; WINDOW];

    match gesture {
        Gesture::Idle => idle(&mut signal, gravity, rng),
        Gesture::Shake => shake(&mut signal, rng, style),
        Gesture::Tap => tap(&mut signal, rng, style),
        Gesture::Circle => circle(&mut signal, rng, style),
        Gesture::Tilt => tilt(&mut signal, gravity, rng, style),
        Gesture::Swipe => swipe(&mut signal, rng, style),
    }
    hand_wobble(&mut signal, rng);
    sensor(&mut signal, rng);
    signal
}

/// Time of sample `t` in seconds.
fn time(t: usize) -> f32 {
    t as f32 / SAMPLE_RATE_HZ
}

/// Window length in seconds.
const DURATION: f32 = WINDOW as f32 / SAMPLE_RATE_HZ;

/// A random unit vector, mostly horizontal (|z| ≤ `max_z` before normalizing).
fn horizontal_direction(rng: &mut Rng, max_z: f32) -> [f32; 3] {
    let angle = rng.uniform(0.0, TAU);
    let v = [cosf(angle), sinf(angle), rng.uniform(-max_z, max_z)];
    normalize(v)
}

fn normalize(v: [f32; 3]) -> [f32; 3] {
    let n = sqrtf(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    [v[0] / n, v[1] / n, v[2] / n]
}

fn cross(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Adds `amount · direction` to sample `t`.
fn add(signal: &mut Window, t: usize, direction: [f32; 3], amount: f32) {
    for (s, d) in signal[t].iter_mut().zip(direction) {
        *s += amount * d;
    }
}

/// Smooth step from 0 (at `u ≤ 0`) to 1 (at `u ≥ 1`): a raised cosine.
fn smooth_step(u: f32) -> f32 {
    let u = u.clamp(0.0, 1.0);
    0.5 - 0.5 * cosf(PI * u)
}

/// Rotates `v` about the unit axis `k` by `angle` (Rodrigues' formula).
fn rotate(v: [f32; 3], k: [f32; 3], angle: f32) -> [f32; 3] {
    let (s, c) = (sinf(angle), cosf(angle));
    let kxv = cross(k, v);
    let kdv = k[0] * v[0] + k[1] * v[1] + k[2] * v[2];
    core::array::from_fn(|i| v[i] * c + kxv[i] * s + k[i] * kdv * (1.0 - c))
}

/// A ringing spike starting at `t0` seconds: `A·e^(−Δt/τ)·sin(2π·f·Δt + π/2)` after `t0`
/// (it starts at its peak, as the hit of a finger does).
fn add_spike(signal: &mut Window, direction: [f32; 3], t0: f32, amplitude: f32, rng: &mut Rng) {
    let tau = rng.uniform(0.02, 0.06);
    let ring_hz = rng.uniform(8.0, 16.0);
    for t in 0..WINDOW {
        let dt = time(t) - t0;
        if dt >= 0.0 {
            let a = amplitude * expf(-dt / tau) * cosf(TAU * ring_hz * dt);
            add(signal, t, direction, a);
        }
    }
}

/// Gravity only — except that a third of the windows get a small bump (a knock on the desk)
/// and another third a slow posture change of up to 12°.
fn idle(signal: &mut Window, gravity: [f32; 3], rng: &mut Rng) {
    match rng.below(3) {
        0 => {
            let direction = normalize([
                rng.uniform(-0.5, 0.5),
                rng.uniform(-0.5, 0.5),
                rng.uniform(0.5, 1.0),
            ]);
            let t0 = rng.uniform(0.0, DURATION);
            let amplitude = rng.uniform(0.1, 0.5);
            add_spike(signal, direction, t0, amplitude, rng);
        }
        1 => {
            let axis = horizontal_direction(rng, 0.0);
            let angle = rng.uniform(-12.0, 12.0).to_radians();
            let start = rng.uniform(-0.5, DURATION);
            let length = rng.uniform(0.5, 1.5);
            for (t, s) in signal.iter_mut().enumerate() {
                *s = rotate(
                    gravity,
                    axis,
                    angle * smooth_step((time(t) - start) / length),
                );
            }
        }
        _ => {}
    }
}

/// 3–7 Hz back and forth along one axis, 0.4–2.5 g, with a second harmonic (a hand does not
/// move sinusoidally), the frequency drifting ±10 %, faded in and out over 0.6–1.2 s.
fn shake(signal: &mut Window, rng: &mut Rng, style: Style) {
    let direction = horizontal_direction(rng, 0.4);
    let amplitude = rng.uniform(0.4, 2.5) * style.strength;
    let hz = rng.uniform(3.0, 7.0) * style.speed;
    let drift = rng.uniform(-0.1, 0.1);
    let phase = rng.uniform(0.0, TAU);
    let harmonic = rng.uniform(0.0, 0.3);
    let harmonic_phase = rng.uniform(0.0, TAU);
    let length = rng.uniform(0.6, 1.2) / style.speed;
    // At least three quarters of the shake lies inside the window.
    let start = rng.uniform(-0.25 * length, DURATION - 0.75 * length);
    for t in 0..WINDOW {
        let s = time(t);
        let u = (s - start) / length;
        if !(0.0..=1.0).contains(&u) {
            continue;
        }
        // Quick fade in and out (the first and last 15 %).
        let envelope = smooth_step(u / 0.15) * smooth_step((1.0 - u) / 0.15);
        let angle = TAU * hz * s * (1.0 + drift * (s / DURATION)) + phase;
        let a = sinf(angle) + harmonic * sinf(2.0 * angle + harmonic_phase);
        add(signal, t, direction, amplitude * envelope * a);
    }
}

/// One or two taps (a double tap 0.15–0.35 s apart), mostly along z, 0.6–3.5 g.
fn tap(signal: &mut Window, rng: &mut Rng, style: Style) {
    let direction = normalize([
        rng.uniform(-0.4, 0.4),
        rng.uniform(-0.4, 0.4),
        if rng.below(4) == 0 { 1.0 } else { -1.0 },
    ]);
    let double = rng.below(2) == 0;
    let gap = if double {
        rng.uniform(0.15, 0.35) / style.speed
    } else {
        0.0
    };
    let t0 = rng.uniform(0.05, DURATION - 0.1 - gap);
    let amplitude = rng.uniform(0.6, 3.5) * style.strength;
    add_spike(signal, direction, t0, amplitude, rng);
    if double {
        let second = amplitude * rng.uniform(0.6, 1.2);
        add_spike(signal, direction, t0 + gap, second, rng);
    }
}

/// Centripetal acceleration of an ellipse traced 0.8–2 times per second in a random, mostly
/// horizontal plane, 0.3–1.2 g, either way round.
fn circle(signal: &mut Window, rng: &mut Rng, style: Style) {
    let u = horizontal_direction(rng, 0.3);
    let normal = normalize([rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), 1.0]);
    let v = normalize(cross(normal, u));
    let amplitude = rng.uniform(0.3, 1.2) * style.strength;
    let squash = rng.uniform(0.5, 1.0);
    let hz = rng.uniform(0.8, 2.0) * style.speed;
    let turn = if rng.below(2) == 0 { 1.0 } else { -1.0 };
    let phase = rng.uniform(0.0, TAU);
    for t in 0..WINDOW {
        let angle = turn * TAU * hz * time(t) + phase;
        add(signal, t, u, -amplitude * cosf(angle));
        add(signal, t, v, -amplitude * squash * sinf(angle));
    }
}

/// Gravity turns by 25–80° about a random horizontal axis over 0.25–0.7 s, starting so that
/// the turn is mostly inside the window; the hand's push adds a small jolt.
fn tilt(signal: &mut Window, gravity: [f32; 3], rng: &mut Rng, style: Style) {
    let axis = horizontal_direction(rng, 0.0);
    let angle = rng.uniform(25.0, 80.0).to_radians() * if rng.below(2) == 0 { 1.0 } else { -1.0 };
    let length = rng.uniform(0.25, 0.7) / style.speed;
    let start = rng.uniform(0.0, DURATION - length);
    let jolt = rng.uniform(0.0, 0.3) * style.strength;
    let jolt_direction = horizontal_direction(rng, 0.5);
    for t in 0..WINDOW {
        let u = (time(t) - start) / length;
        signal[t] = rotate(gravity, axis, angle * smooth_step(u));
        if (0.0..=1.0).contains(&u) {
            add(signal, t, jolt_direction, jolt * sinf(TAU * u));
        }
    }
}

/// One push and stop along a mostly horizontal direction: one sine cycle of 0.2–0.5 s,
/// 0.5–2 g, sometimes with a small overshoot after it.
fn swipe(signal: &mut Window, rng: &mut Rng, style: Style) {
    let direction = horizontal_direction(rng, 0.3);
    let amplitude = rng.uniform(0.5, 2.0) * style.strength;
    let length = rng.uniform(0.2, 0.5) / style.speed;
    let start = rng.uniform(0.0, DURATION - length);
    let overshoot = rng.uniform(0.0, 0.3);
    for t in 0..WINDOW {
        let u = (time(t) - start) / length;
        let a = if (0.0..1.0).contains(&u) {
            sinf(TAU * u)
        } else if (1.0..1.5).contains(&u) {
            overshoot * sinf(TAU * (u - 1.0) * 2.0)
        } else {
            0.0
        };
        add(signal, t, direction, amplitude * a);
    }
}

/// The slow wobble of a hand: two random sinusoids of 0.3–2 Hz per axis, up to 0.06 g.
fn hand_wobble(signal: &mut Window, rng: &mut Rng) {
    for axis in 0..AXES {
        for _ in 0..2 {
            let amplitude = rng.uniform(0.0, 0.03);
            let hz = rng.uniform(0.3, 2.0);
            let phase = rng.uniform(0.0, TAU);
            for (t, s) in signal.iter_mut().enumerate() {
                s[axis] += amplitude * sinf(TAU * hz * time(t) + phase);
            }
        }
    }
}

/// Offset, gain error, white noise, clipping at full scale and quantization.
fn sensor(signal: &mut Window, rng: &mut Rng) {
    let offset: [f32; 3] = core::array::from_fn(|_| rng.uniform(-0.04, 0.04));
    let gain: [f32; 3] = core::array::from_fn(|_| rng.uniform(0.97, 1.03));
    let noise = rng.uniform(0.01, 0.05);
    for s in signal.iter_mut() {
        for axis in 0..AXES {
            let v = s[axis] * gain[axis] + offset[axis] + noise * rng.normal();
            let v = v.clamp(-FULL_SCALE_G, FULL_SCALE_G);
            s[axis] = libm::roundf(v / RESOLUTION_G) * RESOLUTION_G;
        }
    }
}
