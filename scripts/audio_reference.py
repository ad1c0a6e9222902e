#!/usr/bin/env python3
"""Reference features for embednn's audio front end, in float64 with librosa, numpy and scipy.

For each WAV (the committed keyword clips in data/kws/wav/ and the synthetic signals this script
writes to tests/reference/audio/: a chirp, a full-scale square wave, full-scale white noise and
digital silence) it computes the KwsFrontEnd features and writes tests/reference/audio/<name>.json;
it also writes the filterbank (tests/reference/audio/filterbank.json). tests/audio_front_end.rs
compares embednn's float32 features against these.

The pipeline (embednn::audio::FrontEnd's definition, the MLPerf Tiny KWS input):
  - int16 samples / 32768;
  - frames of 640 samples every 320, no padding (librosa.util.frame): 49 frames in 1 s;
  - periodic Hann window (librosa.filters.get_window("hann", 640, fftbins=True)), zero-padded
    to 1024 and numpy.fft.rfft, power |X|^2 (513 bins, not normalized);
  - mel energies with librosa.filters.mel(sr=16000, n_fft=1024, n_mels=40, fmin=20, fmax=4000,
    htk=True, norm=None): HTK mel scale, triangles with a peak of 1;
  - log-mel = ln(mel + 1e-6);
  - MFCC = scipy.fft.dct(log-mel, type=2, norm="ortho")[:10] (what librosa.feature.mfcc applies).
librosa.feature.melspectrogram itself is not used for the framing because it centres a
640-sample window inside 1024-sample frames (47 frames, not 49).

Run by hand from the repository root, not from the test suite:

    pip install librosa numpy scipy
    python3 scripts/audio_reference.py
"""

import glob
import json
import os
import wave

import librosa
import numpy as np
import scipy.fft

SR, FRAME, HOP, FFT, MELS, LOW, HIGH, COEFFS = 16000, 640, 320, 1024, 40, 20, 4000, 10
LOG_OFFSET = 1e-6
OUT = "tests/reference/audio"


def read_wav(path):
    with wave.open(path, "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (SR, 1, 2), path
        return np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")


def write_wav(path, pcm):
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SR)
        w.writeframes(pcm.astype("<i2").tobytes())


def synthetic():
    """Signals that probe the edges: a sweep through every band, full scale, silence."""
    n = np.arange(SR)
    t = n / SR
    rng = np.random.default_rng(7)
    # Linear chirp 20 Hz -> 7.9 kHz at half scale.
    chirp = 0.5 * np.sin(2 * np.pi * (20 * t + (7900 - 20) / 2 * t * t))
    return {
        "synthetic_chirp": np.round(chirp * 32767),
        "synthetic_square_full_scale": np.where((n // 40) % 2 == 0, 32767, -32768),
        "synthetic_noise_full_scale": rng.integers(-32768, 32768, SR),
        "synthetic_silence": np.zeros(SR),
    }


def features(pcm):
    x = pcm.astype(np.float64) / 32768.0
    frames = librosa.util.frame(x, frame_length=FRAME, hop_length=HOP, axis=0)  # (49, 640)
    window = librosa.filters.get_window("hann", FRAME, fftbins=True)
    spectrum = np.fft.rfft(frames * window, n=FFT, axis=1)
    power = spectrum.real ** 2 + spectrum.imag ** 2  # (49, 513)
    fb = filterbank()
    log_mel = np.log(power @ fb.T + LOG_OFFSET)
    mfcc = scipy.fft.dct(log_mel, type=2, norm="ortho", axis=1)[:, :COEFFS]
    return log_mel, mfcc


def filterbank():
    return librosa.filters.mel(sr=SR, n_fft=FFT, n_mels=MELS, fmin=LOW, fmax=HIGH, htk=True,
                               norm=None, dtype=np.float64)


def rounded(a):
    return [[float(f"{v:.10g}") for v in row] for row in np.asarray(a)]


def main():
    os.makedirs(OUT, exist_ok=True)
    inputs = {}
    for path in sorted(glob.glob("data/kws/wav/*.wav")):
        inputs[os.path.basename(path)[:-4]] = ("data/kws/wav/" + os.path.basename(path), read_wav(path))
    for name, pcm in synthetic().items():
        path = f"{OUT}/{name}.wav"
        write_wav(path, pcm)
        inputs[name] = (path, read_wav(path))
    params = {"sample_rate": SR, "frame": FRAME, "hop": HOP, "fft": FFT, "mels": MELS,
              "low_hz": LOW, "high_hz": HIGH, "coeffs": COEFFS, "log_offset": LOG_OFFSET,
              "librosa": librosa.__version__, "numpy": np.__version__}
    for name, (path, pcm) in inputs.items():
        assert len(pcm) == SR, path
        log_mel, mfcc = features(pcm)
        assert log_mel.shape == (49, MELS) and mfcc.shape == (49, COEFFS)
        with open(f"{OUT}/{name}.json", "w") as f:
            json.dump({"wav": path, **params, "log_mel": rounded(log_mel), "mfcc": rounded(mfcc)}, f)
        print(f"{name}: log-mel range {log_mel.min():.3f}..{log_mel.max():.3f}")
    fb = filterbank()
    bands = []
    for row in fb:
        nz = np.nonzero(row)[0]
        bands.append({"start": int(nz[0]), "weights": [float(f"{v:.10g}") for v in row[nz[0]:nz[-1] + 1]]})
    with open(f"{OUT}/filterbank.json", "w") as f:
        json.dump({**params, "bins": FFT // 2 + 1,
                   "edges_hz": [float(f"{v:.12g}") for v in librosa.mel_frequencies(
                       MELS + 2, fmin=LOW, fmax=HIGH, htk=True)],
                   "bands": bands}, f)


if __name__ == "__main__":
    main()
