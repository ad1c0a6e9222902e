//! Gesture styles: the usual style is exactly the data set the examples use; another style
//! makes the same gestures (the same random draws) slower or stronger.

use embednn_models::gestures::{
    labelled, labelled_in_style, Gesture, Style, Window, FULL_SCALE_G, TEST_SEED,
};

/// Largest change between neighbouring samples, a measure of how fast the signal moves.
fn jerk(w: &Window) -> f32 {
    w.windows(2)
        .flat_map(|p| (0..3).map(move |a| (p[1][a] - p[0][a]).abs()))
        .fold(0.0, f32::max)
}

#[test]
fn usual_style_is_the_data_set() {
    for i in 0..60 {
        assert_eq!(
            labelled_in_style(TEST_SEED, i, Style::USUAL),
            labelled(TEST_SEED, i)
        );
    }
}

#[test]
fn a_slower_stronger_user_shifts_the_windows() {
    let new_user = Style {
        speed: 0.5,
        strength: 1.5,
    };
    let (mut changed, mut idle_same) = (0, 0);
    for i in 0..120 {
        let (g, usual) = labelled(TEST_SEED, i);
        let (g2, styled) = labelled_in_style(TEST_SEED, i, new_user);
        assert_eq!(g, g2);
        assert!(styled.iter().flatten().all(|v| v.abs() <= FULL_SCALE_G));
        if g == Gesture::Idle {
            // Not a gesture: the same window whoever holds the device.
            idle_same += usize::from(styled == usual);
        } else if styled != usual {
            changed += 1;
        }
    }
    assert_eq!(idle_same, 20);
    assert_eq!(changed, 100);
    // Shakes are slower: smaller sample-to-sample steps on average, despite the larger amplitude.
    let shakes = |style| -> f32 {
        (0..120)
            .filter(|i| i % 6 == Gesture::Shake.index() as u64)
            .map(|i| jerk(&labelled_in_style(TEST_SEED, i, style).1) / 20.0)
            .sum()
    };
    let half_speed = Style {
        speed: 0.5,
        strength: 1.0,
    };
    assert!(shakes(half_speed) < 0.75 * shakes(Style::USUAL));
}
