#!/usr/bin/env python3
"""Speaks the keyword-spotting clips of data/kws/ with espeak-ng and mixes them with noise in sox.

Writes 1 s, 16 kHz, mono, 16-bit WAVs and a manifest (clips.csv) into OUT_DIR (default
/tmp/kws_wav). The features committed in data/kws/ are then computed from these WAVs by embednn's
own front end (the ignored test in tests/audio_kws_data.rs), so tests never need espeak-ng:

    apt-get install -y espeak-ng sox     # Debian packages; numpy from PyPI
    python3 scripts/kws_data.py /tmp/kws_wav
    KWS_WAV_DIR=/tmp/kws_wav cargo test --release --test audio_kws_data -- --ignored generate

Everything random (speed, pitch, word for "unknown", loudness, noise kind, noise offset, SNR,
where the word sits in the second) comes from one seeded generator, and sox runs in repeatable
mode without dither, so the same espeak-ng and sox versions give the same WAVs.

Classes (in this order, the label index): silence, unknown, yes, no, up, down, left, right, on,
off, stop, go. Voices are an espeak-ng accent plus a voice variant; the test split uses accents
AND variants that the training split never has (see HELD_OUT_* below and data/kws/README.md).
"""

import csv
import os
import subprocess
import sys
import tempfile
import wave

import numpy as np

SEED = 20261207
RATE = 16_000
SAMPLES = RATE  # 1 s clips

KEYWORDS = ["yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go"]
CLASSES = ["silence", "unknown"] + KEYWORDS
# Speech Commands' auxiliary words, for the "unknown" class.
UNKNOWN_WORDS = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
    "bed", "bird", "cat", "dog", "happy", "house", "tree", "wow", "learn", "follow",
    "forward", "backward", "visual", "sheila", "marvin",
]

TRAIN_ACCENTS = ["en-us", "en-gb", "en-gb-x-rp", "en-gb-scotland", "en-gb-x-gbclan", "en-us-nyc"]
TRAIN_VARIANTS = ["", "m1", "m2", "m3", "f1", "f2", "f3"]
HELD_OUT_ACCENTS = ["en-029", "en-gb-x-gbcwmd"]
HELD_OUT_VARIANTS = ["m5", "m6", "f4"]
# Renditions (speed, pitch, loudness, noise drawn anew) per class and voice.
TRAIN_PER_VOICE = 4
TEST_PER_VOICE = 5

SPEEDS = (120, 210)  # words per minute, uniform
PITCHES = (25, 75)  # espeak-ng's 0..99 pitch, uniform
SNRS_DB = [5, 10, 20, 30]
SPEECH_RMS_DBFS = (-32.0, -16.0)  # uniform
SILENCE_RMS_DBFS = (-65.0, -30.0)  # noise-only clips
PEAK = 0.7  # the loudest a word's sample may get before the noise is added
NOISES = ["white", "pink", "brown", "hum"]
NOISE_SECONDS = 60


def sox(*args):
    """sox in repeatable mode (-R), no dither (-D), errors only (-V1)."""
    subprocess.run(["sox", "-R", "-D", "-V1", *args], check=True)


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert w.getnchannels() == 1 and w.getsampwidth() == 2, path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(np.float64) / 32768


def rms(x):
    return float(np.sqrt(np.mean(x * x))) if len(x) else 0.0


def make_noise_beds(tmp):
    """60 s of each noise kind at 16 kHz; clips take random 1 s windows of them."""
    beds = {}
    for kind in NOISES:
        path = os.path.join(tmp, f"bed_{kind}.wav")
        fmt = ["-r", str(RATE), "-c", "1", "-b", "16"]
        if kind == "hum":
            # Mains hum (50 Hz and odd harmonics) over pink noise.
            synth = ["synth", str(NOISE_SECONDS), "sine", "50",
                     "synth", str(NOISE_SECONDS), "sine", "mix", "150",
                     "synth", str(NOISE_SECONDS), "pinknoise", "mix"]
        else:
            synth = ["synth", str(NOISE_SECONDS), f"{kind}noise"]
        sox("-n", *fmt, path, *synth, "gain", "-n", "-6")
        beds[kind] = path
    return beds


def speak(word, voice, speed, pitch, tmp):
    """The word at 16 kHz with leading and trailing silence trimmed."""
    raw = os.path.join(tmp, "raw.wav")
    trimmed = os.path.join(tmp, "speech.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(speed), "-p", str(pitch), "-w", raw, word],
                   check=True)
    sox(raw, "-r", str(RATE), "-c", "1", "-b", "16", trimmed,
        "silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
        "trim", "0", "0.98", "fade", "t", "0", "0", "0.01")
    return trimmed


def clip(out, rng, beds, tmp, word, voice, speed, pitch):
    """Writes one clip; returns its manifest fields (noise kind, SNR, speech start)."""
    noise_kind = NOISES[rng.integers(len(NOISES))]
    offset = rng.uniform(0, NOISE_SECONDS - 1.1)
    noise = os.path.join(tmp, "noise.wav")
    sox(beds[noise_kind], noise, "trim", f"{offset:.4f}", "1")
    noise_rms = rms(read_wav(noise))
    if word is None:
        level = rng.uniform(*SILENCE_RMS_DBFS)
        gain = 10 ** (level / 20) / noise_rms
        sox("-v", f"{gain:.6f}", noise, "-b", "16", out, "trim", "0", "1")
        return noise_kind, "", "", f"{level:.1f}"
    speech = speak(word, voice, speed, pitch, tmp)
    x = read_wav(speech)
    length = len(x) / RATE
    start = rng.uniform(0, max(0.0, 1.0 - length))
    level = rng.uniform(*SPEECH_RMS_DBFS)
    snr = SNRS_DB[rng.integers(len(SNRS_DB))]
    # The drawn loudness, unless that would put the word's peak above PEAK (then quieter).
    speech_gain = min(10 ** (level / 20) / max(rms(x), 1e-9), PEAK / max(np.abs(x).max(), 1e-9))
    level = 20 * np.log10(max(rms(x) * speech_gain, 1e-9))
    noise_gain = 10 ** ((level - snr) / 20) / noise_rms
    placed = os.path.join(tmp, "placed.wav")
    sox(speech, placed, "pad", f"{start:.4f}", "1")
    sox("-m", "-v", f"{speech_gain:.6f}", placed, "-v", f"{noise_gain:.6f}", noise,
        "-r", str(RATE), "-c", "1", "-b", "16", out, "trim", "0", "1")
    return noise_kind, str(snr), f"{start:.3f}", f"{level:.1f}"


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "/tmp/kws_wav"
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(SEED)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        beds = make_noise_beds(tmp)
        for split, accents, variants, per_voice in [
            ("train", TRAIN_ACCENTS, TRAIN_VARIANTS, TRAIN_PER_VOICE),
            ("test", HELD_OUT_ACCENTS, HELD_OUT_VARIANTS, TEST_PER_VOICE),
        ]:
            for label in CLASSES:
                for accent in accents:
                    for variant in variants:
                        voice = accent + (f"+{variant}" if variant else "")
                        for _ in range(per_voice):
                            if label == "silence":
                                word = None
                            elif label == "unknown":
                                word = UNKNOWN_WORDS[rng.integers(len(UNKNOWN_WORDS))]
                            else:
                                word = label
                            speed = int(rng.integers(SPEEDS[0], SPEEDS[1] + 1))
                            pitch = int(rng.integers(PITCHES[0], PITCHES[1] + 1))
                            name = f"{split}_{len(rows):05d}_{label}.wav"
                            fields = clip(os.path.join(out_dir, name), rng, beds, tmp, word,
                                          voice, speed, pitch)
                            noise_kind, snr, start, level = fields
                            rows.append({
                                "file": name, "split": split, "label": label,
                                "word": word or "", "voice": voice if word else "",
                                "speed": speed if word else "", "pitch": pitch if word else "",
                                "noise": noise_kind, "snr_db": snr, "start_s": start,
                                "level_dbfs": level,
                            })
                print(f"{split} {label}: {sum(r['split'] == split and r['label'] == label for r in rows)}",
                      flush=True)
    with open(os.path.join(out_dir, "clips.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        w.writerows(rows)
    for r in rows:
        with wave.open(os.path.join(out_dir, r["file"]), "rb") as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth(), w.getnframes()) == (
                RATE, 1, 2, SAMPLES), r["file"]
    print(f"{len(rows)} clips in {out_dir}")


if __name__ == "__main__":
    main()
