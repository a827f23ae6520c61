"""Phones -> per-frame ARKit weights: dominance-blended visemes, smoothed without lag, closures kept.

How it works, in order:
1. Each phone holds its viseme with a dominance (Cohen-Massaro) that is flat over the phone's own
   span and fades to exactly zero over a short reach before (anticipation) and after (carry-over).
   Lips and jaw blend separately: weight = sum(dominance * target) / sum(dominance).
2. Diphthongs split into two halves with their two vowel targets.
3. The jaw scales with (smoothed) loudness; the curves are smoothed with a Gaussian (zero phase, so no lag).
4. Sampled at frame k = k / fps, then every p/b/m is forced to the closure pose on the frames
   inside it (or the frame nearest its centre when it is shorter than a frame), with a short
   cosine ramp either side so the forced frames do not stand out as a jump.
"""

from __future__ import annotations

import numpy as np
from .smoothing import gaussian_filter1d  # numpy: scipy.ndimage costs 0.35 s of start-up

from ..phones.phone import Phone, fill_timeline
from .arkit import ARKIT_INDEX, ARKIT_NAMES
from .visemes import (BILABIALS, CLOSURE_POSE, DIPHTHONGS, JAW_UNITS, LIP_OPENING_UNITS, LIP_UNITS, SILENCE,
                      pose_vector, viseme_for)

GRID_SECONDS = 0.005
# Anticipation reaches further than carry-over: lips start shaping the next sound early.
ANTICIPATION_SECONDS = 0.10
CARRYOVER_SECONDS = 0.07
SMOOTHING_SIGMA_SECONDS = 0.015
# A pause shorter than this is a breath between words; the mouth should not snap shut in it.
SHORT_PAUSE_SECONDS = 0.12
SHORT_PAUSE_DOMINANCE = 0.25
CLOSURE_RAMP_SECONDS = 0.06
PLOSIVES = frozenset({"P", "B"})
PLOSIVE_HOLD_FRACTION = 0.8
# Jaw opening = target * (QUIET + LOUD_GAIN * loudness): quiet speech opens less, loud a little more.
JAW_QUIET, JAW_LOUD_GAIN = 0.6, 0.5
LOUDNESS_SIGMA_SECONDS = 0.04

_JAW = np.array([ARKIT_INDEX[name] for name in JAW_UNITS])
_LIPS = np.array([ARKIT_INDEX[name] for name in LIP_UNITS])
_JAW_SCALED = np.array([ARKIT_INDEX[name] for name in
                        ("jawOpen", "mouthClose", "mouthLowerDownLeft", "mouthLowerDownRight")])
_CLOSURE = pose_vector(CLOSURE_POSE)
# Units forced at a closure: the closure pose's own units and every unit that parts the lips.
_JAW_AND_LIPS = np.concatenate([_JAW, _LIPS])
_CLOSURE_UNITS = np.array(sorted({ARKIT_INDEX[name] for name in (*CLOSURE_POSE, *LIP_OPENING_UNITS)}))


def phones_to_weights(phones: list[Phone], fps: float, n_frames: int,
                      loudness: np.ndarray | None = None) -> np.ndarray:
    """weights: (n_frames, 52) float32 in ARKIT_NAMES order, in [0, 1]; frame k sits at time k / fps.

    loudness: (n_frames,) in 0..1 (audio.loudness.frame_loudness) scales the jaw; None = full."""
    if fps <= 0 or n_frames <= 0:
        raise ValueError(f"fps and n_frames must be positive, got fps={fps}, n_frames={n_frames}")
    frame_times = np.arange(n_frames) / float(fps)
    end = max(frame_times[-1], max((p.end for p in phones), default=0.0)) + 2 * GRID_SECONDS
    timeline = fill_timeline(phones, end)
    grid = np.arange(int(np.ceil(end / GRID_SECONDS)) + 1) * GRID_SECONDS

    curves = _blend_visemes(_split_diphthongs(timeline), grid)
    if loudness is not None:
        loudness = np.asarray(loudness, dtype=np.float64)
        if loudness.shape != (n_frames,):
            raise ValueError(f"loudness must have shape ({n_frames},), got {loudness.shape}")
        gain = JAW_QUIET + JAW_LOUD_GAIN * np.interp(grid, frame_times, loudness)
        # Loudness wavers within a vowel; only its syllable-scale shape should move the jaw.
        gain = gaussian_filter1d(gain, LOUDNESS_SIGMA_SECONDS / GRID_SECONDS, mode="nearest")
        curves[:, _JAW_SCALED] *= gain[:, None]
    curves = gaussian_filter1d(curves, SMOOTHING_SIGMA_SECONDS / GRID_SECONDS, axis=0, mode="nearest")

    weights = np.stack([np.interp(frame_times, grid, curves[:, j]) for j in range(curves.shape[1])], axis=1)
    _force_closures(weights, timeline, frame_times, fps)
    # Tiny float residue (1e-17) in pauses would read as motion in the graph editor: rest is exactly 0.
    weights[np.abs(weights) < 1e-6] = 0.0
    return np.clip(weights, 0.0, 1.0).astype(np.float32)


def _split_diphthongs(timeline: list[Phone]) -> list[Phone]:
    phones: list[Phone] = []
    for phone in timeline:
        if phone.label in DIPHTHONGS:
            first, second = DIPHTHONGS[phone.label]
            middle = phone.centre
            phones += [Phone(first, phone.start, middle), Phone(second, middle, phone.end)]
        else:
            phones.append(phone)
    return phones


def _dominance_shape(grid: np.ndarray, phone: Phone, lo: int, hi: int) -> np.ndarray:
    """1 inside the phone, cos^2 fading to exactly 0 over the reach outside it (compact support,
    so a long pause is pure rest)."""
    t = grid[lo:hi]
    shape = np.ones_like(t)
    before = t < phone.start
    after = t > phone.end
    shape[before] = np.cos(0.5 * np.pi * np.minimum((phone.start - t[before]) / ANTICIPATION_SECONDS, 1.0)) ** 2
    shape[after] = np.cos(0.5 * np.pi * np.minimum((t[after] - phone.end) / CARRYOVER_SECONDS, 1.0)) ** 2
    return shape


def _blend_visemes(phones: list[Phone], grid: np.ndarray) -> np.ndarray:
    """curves: (len(grid), 52) dominance-weighted blend of the phones' viseme targets."""
    numerator = np.zeros((len(grid), len(ARKIT_NAMES)))
    jaw_total = np.zeros(len(grid))
    lip_total = np.zeros(len(grid))
    for phone in phones:
        viseme = viseme_for(phone.label)
        target = pose_vector(viseme.pose).astype(np.float64)
        lip_dominance, jaw_dominance = viseme.lip_dominance, viseme.jaw_dominance
        if phone.label == SILENCE:
            # Silence has no reach: the mouth closes by the carry-over of the last sound, and a
            # short pause only pulls towards rest rather than snapping the mouth shut.
            lo, hi = np.searchsorted(grid, [phone.start, phone.end])
            shape = np.ones(hi - lo)
            if phone.duration < SHORT_PAUSE_SECONDS:
                lip_dominance = jaw_dominance = SHORT_PAUSE_DOMINANCE
        else:
            lo, hi = np.searchsorted(grid, [phone.start - ANTICIPATION_SECONDS, phone.end + CARRYOVER_SECONDS])
            shape = _dominance_shape(grid, phone, lo, hi)
        numerator[lo:hi, _JAW] += (jaw_dominance * shape)[:, None] * target[_JAW]
        numerator[lo:hi, _LIPS] += (lip_dominance * shape)[:, None] * target[_LIPS]
        jaw_total[lo:hi] += jaw_dominance * shape
        lip_total[lo:hi] += lip_dominance * shape
    curves = np.zeros_like(numerator)
    curves[:, _JAW] = numerator[:, _JAW] / np.maximum(jaw_total, 1e-9)[:, None]
    curves[:, _LIPS] = numerator[:, _LIPS] / np.maximum(lip_total, 1e-9)[:, None]
    return curves


def _force_closures(weights: np.ndarray, timeline: list[Phone], frame_times: np.ndarray, fps: float) -> None:
    """Blend every p/b/m to the closure pose in place: fully on its own frames, ramping out."""
    pull = np.zeros(len(frame_times))
    held_spans: list[tuple[int, int, int]] = []
    for index, phone in enumerate(timeline):
        if phone.label not in BILABIALS:
            continue
        # A plosive's lips part at its burst, the last part of the aligned phone; a nasal stays shut.
        end = phone.end if phone.label not in PLOSIVES else phone.start + PLOSIVE_HOLD_FRACTION * phone.duration
        inside = np.flatnonzero((frame_times >= phone.start) & (frame_times <= end))
        nearest = int(np.clip(np.rint(0.5 * (phone.start + end) * fps), 0, len(frame_times) - 1))
        held = np.union1d(inside, [nearest])
        held_spans.append((index, int(held[0]), int(held[-1])))
        first, last = frame_times[held[0]], frame_times[held[-1]]
        distance = np.maximum(np.maximum(first - frame_times, frame_times - last), 0.0)
        ramp = np.where(distance < CLOSURE_RAMP_SECONDS,
                        0.5 * (1.0 + np.cos(np.pi * distance / CLOSURE_RAMP_SECONDS)), 0.0)
        pull = np.maximum(pull, ramp)
    if not pull.any():
        return
    units = _CLOSURE_UNITS
    weights[:, units] += pull[:, None] * (_CLOSURE[units] - weights[:, units])
    for index, first, last in held_spans:
        if index > 0 and timeline[index - 1].label == SILENCE:
            _monotone_from_rest(weights, first, step=-1)
        if index + 1 < len(timeline) and timeline[index + 1].label == SILENCE:
            _monotone_from_rest(weights, last, step=+1)


def _monotone_from_rest(weights: np.ndarray, held: int, step: int) -> None:
    """Between rest and a closure the lips only move towards the closure.

    Sealed lips at rest stay sealed into a 'b' after a pause; without this the next vowel's
    anticipation would open them a crack just before the closure shuts them again (a flicker)."""
    rest = held + step
    while 0 <= rest < len(weights) and weights[rest, _JAW_AND_LIPS].any():
        rest += step
    if not 0 <= rest < len(weights):
        return
    lo, hi = sorted((rest, held))
    span = weights[lo:hi + 1, _CLOSURE_UNITS]
    # Running minimum walking from the closure out towards rest.
    if step < 0:
        span = np.minimum.accumulate(span[::-1], axis=0)[::-1]
    else:
        span = np.minimum.accumulate(span, axis=0)
    weights[lo:hi + 1, _CLOSURE_UNITS] = span
