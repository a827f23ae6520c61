"""When and how eyes blink and dart, so a face is not frozen between words (numpy only, seeded).

People blink every few seconds at irregular intervals, more often at the start of a phrase after
a pause; a blink closes fast (~100 ms) and opens slower (~150 ms). Between blinks the eyes make
small quick darts and hold each gaze for a second or two.
"""

from dataclasses import dataclass

import numpy as np

CLOSE_SECONDS = 0.10
HOLD_SECONDS = 0.03
OPEN_SECONDS = 0.15
MIN_GAP_SECONDS = 1.2      # no two blinks closer than this
PHRASE_BLINK_CHANCE = 0.6  # a blink just before speech resumes after a pause


@dataclass(frozen=True)
class Keys:
    """Keyframes of one curve: frames (float, scene frames) and values."""

    frames: np.ndarray
    values: np.ndarray


def blink_times(duration: float, seed: int, mean_interval: float = 3.5, phrase_starts=()) -> np.ndarray:
    """Seconds at which blinks start, within [0, duration - blink length].

    Intervals follow a gamma distribution (shape 3: irregular, never metronomic) around mean_interval;
    each phrase start (seconds) adds a blink just before it unless one is already near."""
    rng = np.random.default_rng(seed)
    length = CLOSE_SECONDS + HOLD_SECONDS + OPEN_SECONDS
    times, t = [], float(rng.uniform(0.3, mean_interval))
    while t < duration - length:
        times.append(t)
        t += max(MIN_GAP_SECONDS, float(rng.gamma(3.0, mean_interval / 3.0)))
    for start in sorted(phrase_starts):
        when = start - 0.12
        if 0 <= when < duration - length and rng.random() < PHRASE_BLINK_CHANCE:
            if all(abs(when - other) >= MIN_GAP_SECONDS for other in times):
                times.append(when)
    return np.array(sorted(times))


def blink_keys(times: np.ndarray, fps: float, first_frame: float, last_frame: float) -> Keys:
    """eyeBlink keys: 0 at first and last frame, and for each blink open -> closed (fast) -> open (slow)."""
    frames, values = [first_frame], [0.0]
    for t in times:
        start = first_frame + t * fps
        for offset, value in ((0.0, 0.0), (CLOSE_SECONDS, 1.0), (CLOSE_SECONDS + HOLD_SECONDS, 1.0),
                              (CLOSE_SECONDS + HOLD_SECONDS + OPEN_SECONDS, 0.0)):
            frames.append(start + offset * fps)
            values.append(value)
    frames.append(last_frame)
    values.append(0.0)
    order = np.argsort(frames, kind="stable")
    return Keys(np.asarray(frames)[order], np.asarray(values)[order])


def dart_keys(duration: float, seed: int, fps: float, first_frame: float, amplitude: float = 0.15) -> dict[str, Keys]:
    """Small gaze shifts: {'horizontal': Keys, 'vertical': Keys} in [-amplitude, amplitude].

    Each gaze holds 0.6-2.5 s, then moves in ~2 frames (a saccade); positive horizontal is the
    face's left, positive vertical is up. Mostly near centre, as in conversation."""
    rng = np.random.default_rng(seed + 1)
    t, horizontal, vertical = 0.0, 0.0, 0.0
    frames, xs, ys = [first_frame], [0.0], [0.0]
    while True:
        t += float(rng.uniform(0.6, 2.5))
        if t >= duration:
            break
        # Hold the current gaze up to the saccade, then jump.
        frames.append(first_frame + t * fps)
        xs.append(horizontal)
        ys.append(vertical)
        horizontal = float(np.clip(rng.normal(0.0, amplitude * 0.5), -amplitude, amplitude))
        vertical = float(np.clip(rng.normal(0.0, amplitude * 0.3), -amplitude, amplitude))
        frames.append(first_frame + t * fps + 2.0)
        xs.append(horizontal)
        ys.append(vertical)
    frames = np.asarray(frames)
    return {"horizontal": Keys(frames, np.asarray(xs)), "vertical": Keys(frames, np.asarray(ys))}


def gaze_units(horizontal: np.ndarray, vertical: np.ndarray) -> dict[str, np.ndarray]:
    """ARKit eyeLook* values for a gaze: looking to the face's left is eyeLookOutLeft + eyeLookInRight."""
    left, right = np.maximum(horizontal, 0.0), np.maximum(-horizontal, 0.0)
    up, down = np.maximum(vertical, 0.0), np.maximum(-vertical, 0.0)
    return {
        "eyeLookOutLeft": left, "eyeLookInRight": left,
        "eyeLookInLeft": right, "eyeLookOutRight": right,
        "eyeLookUpLeft": up, "eyeLookUpRight": up,
        "eyeLookDownLeft": down, "eyeLookDownRight": down,
    }


def phrase_starts(activity: np.ndarray, fps: float, pause_seconds: float = 0.4, threshold: float = 0.05) -> list[float]:
    """Seconds at which the mouth starts moving after at least pause_seconds of rest.

    activity: (frames,) how far the mouth is from rest (e.g. the largest weight of each frame)."""
    moving = np.asarray(activity) > threshold
    starts, quiet = [], int(round(pause_seconds * fps))
    still = quiet  # the line's start counts as after a pause
    for frame, active in enumerate(moving):
        if active and still >= quiet:
            starts.append(frame / fps)
        still = 0 if active else still + 1
    return starts
