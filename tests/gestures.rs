//! The synthetic gesture generator (`embednn_models::gestures`): reproducible, balanced, and
//! physically sensible — what the `gestures` example trains on and firmware regenerates.

use embednn_models::gestures::{
    generate, labelled, Gesture, Window, FULL_SCALE_G, RESOLUTION_G, TEST_SEED, TEST_WINDOWS,
    TRAIN_SEED, WINDOW,
};

/// FNV-1a over the bits of every reading.
fn fingerprint(windows: impl IntoIterator<Item = Window>) -> u64 {
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for window in windows {
        for v in window.as_flattened() {
            for byte in v.to_bits().to_le_bytes() {
                hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    hash
}

#[test]
fn same_seed_and_index_same_window() {
    for i in [0, 1, 5, 599, 10_000] {
        assert_eq!(labelled(TEST_SEED, i), labelled(TEST_SEED, i));
    }
    // A window does not depend on which windows were generated before it.
    let late = labelled(TEST_SEED, 42);
    for i in 0..42 {
        std::hint::black_box(labelled(TEST_SEED, i));
    }
    assert_eq!(labelled(TEST_SEED, 42), late);
    // Other seeds and indices give other windows.
    assert_ne!(labelled(TEST_SEED, 0).1, labelled(TRAIN_SEED, 0).1);
    assert_ne!(labelled(TEST_SEED, 0).1, labelled(TEST_SEED, 6).1);
}

#[test]
fn test_windows_are_pinned() {
    // Pinned so that any change to the generator — which changes the trained gestures model
    // and the windows firmware regenerates to check it — is noticed. Retrain and update both.
    let windows = (0..12).map(|i| labelled(TEST_SEED, i).1);
    assert_eq!(fingerprint(windows), PINNED);
}
const PINNED: u64 = 0xa163_5eb0_af68_d1f3;

#[test]
fn classes_are_balanced_and_named() {
    let mut counts = [0usize; Gesture::COUNT];
    for i in 0..TEST_WINDOWS as u64 {
        counts[labelled(TEST_SEED, i).0.index()] += 1;
    }
    assert_eq!(counts, [TEST_WINDOWS / Gesture::COUNT; Gesture::COUNT]);
    for (i, g) in Gesture::ALL.into_iter().enumerate() {
        assert_eq!(g.index(), i);
        assert_eq!(Gesture::from_index(i), Some(g));
        assert_eq!(g.name(), Gesture::NAMES[i]);
    }
    assert_eq!(Gesture::from_index(Gesture::COUNT), None);
}

#[test]
fn readings_look_like_a_sensor() {
    for i in 0..120 {
        let (_, window) = labelled(TRAIN_SEED, i);
        for &v in window.as_flattened() {
            assert!(v.is_finite() && v.abs() <= FULL_SCALE_G, "window {i}: {v}");
            let counts = v / RESOLUTION_G;
            assert_eq!(
                counts,
                counts.round(),
                "window {i}: {v} is not a multiple of 1/1024 g"
            );
        }
    }
}

/// Per-class averages of simple features over 50 windows each.
struct Features {
    /// Mean of |a| (gravity alone gives 1 g).
    magnitude: f64,
    /// Standard deviation of |a| within a window: how much the device moves.
    motion: f64,
    /// Largest distance of |a| from its median: spikes.
    peak: f64,
    /// Distance between the mean readings of the first and last 8 samples: a new orientation.
    turn: f64,
}

fn features(gesture: Gesture) -> Features {
    let mut rng = embednn::Rng::seed(7 + gesture.index() as u64);
    let n = 50;
    let mut f = Features {
        magnitude: 0.0,
        motion: 0.0,
        peak: 0.0,
        turn: 0.0,
    };
    for _ in 0..n {
        let w = generate(gesture, &mut rng);
        let mag: Vec<f64> = w
            .iter()
            .map(|s| f64::from(s[0] * s[0] + s[1] * s[1] + s[2] * s[2]).sqrt())
            .collect();
        let mean = mag.iter().sum::<f64>() / WINDOW as f64;
        let var = mag.iter().map(|m| (m - mean) * (m - mean)).sum::<f64>() / WINDOW as f64;
        let mut sorted = mag.clone();
        sorted.sort_by(f64::total_cmp);
        let median = sorted[WINDOW / 2];
        let axis_mean = |s: &[[f32; 3]], a: usize| {
            s.iter().map(|v| f64::from(v[a])).sum::<f64>() / s.len() as f64
        };
        let turn = (0..3)
            .map(|a| axis_mean(&w[..8], a) - axis_mean(&w[WINDOW - 8..], a))
            .map(|d| d * d)
            .sum::<f64>()
            .sqrt();
        f.magnitude += mean / f64::from(n);
        f.motion += var.sqrt() / f64::from(n);
        f.peak += mag.iter().map(|m| (m - median).abs()).fold(0.0, f64::max) / f64::from(n);
        f.turn += turn / f64::from(n);
    }
    f
}

#[test]
fn each_gesture_has_its_signature() {
    let [idle, shake, tap, circle, tilt, swipe] = Gesture::ALL.map(features);
    for f in [&idle, &shake, &tap, &circle, &tilt, &swipe] {
        assert!((0.95..1.4).contains(&f.magnitude), "|a| {}", f.magnitude);
    }
    // At rest: gravity, wobble and noise only.
    assert!(idle.motion < 0.06 && idle.peak < 0.2 && idle.turn < 0.12);
    // Shaking moves the device most; taps and swipes make spikes.
    assert!(shake.motion > 0.25 && shake.motion > 2.0 * tap.motion);
    assert!(tap.peak > 0.5 && swipe.peak > 0.5);
    // A tilt ends in a new orientation but hardly moves the device.
    assert!(tilt.turn > 0.5 && tilt.motion < 0.1);
    // Circles move steadily: more motion than idle, fewer spikes than taps.
    assert!(circle.motion > 0.1 && circle.peak < tap.peak);
}
