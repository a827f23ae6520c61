"""phones_to_weights on real aligned speech: closures, open vowels, rest, no lag, no jitter, any fps."""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.audio.loudness import frame_loudness
from lipwright.motion import ARKIT_INDEX, ARKIT_NAMES, mouth_opening, phones_to_weights
from lipwright.motion.visemes import DIPHTHONGS
from lipwright.phones import Phone, align_phones
from tests.speech import compose_line

FRAME_RATES = [24, 23.976, 29.97, 30, 60]
JAW = ARKIT_INDEX["jawOpen"]
OPEN_VOWELS = ("AA", "AE", "AH", "AO")
SEALED = 0.01
HELD_PRESS = 0.34
BILABIALS = ("P", "B", "M")


@pytest.fixture(scope="module")
def spoken():
    """A line with bilabials, open vowels, f/v and rounding, split by pauses of known length."""
    transcript = "Bob made a big map. Father saw the moon. Every puppy may be happy."
    line = compose_line([0.5, "Bob made a big map", 0.6, "father saw the moon", 0.7,
                         "every puppy may be happy", 0.6], engine="flite", voice="awb")
    clip = AudioClip(line.samples, line.sample_rate)
    return line, clip, align_phones(clip, transcript)


def animate(clip, phones, fps):
    n = frame_count(clip.seconds, fps)
    return phones_to_weights(phones, fps, n, frame_loudness(clip, fps, n))


@pytest.mark.parametrize("fps", FRAME_RATES)
def test_shape_range_and_quiet_upper_face(spoken, fps):
    _, clip, phones = spoken
    weights = animate(clip, phones, fps)
    assert weights.shape == (frame_count(clip.seconds, fps), 52) and weights.dtype == np.float32
    assert weights.min() >= 0 and weights.max() <= 1
    upper = [i for i, name in enumerate(ARKIT_NAMES) if name.startswith(("eye", "brow", "cheek", "nose"))]
    assert not weights[:, upper].any()


@pytest.mark.parametrize("fps", FRAME_RATES)
def test_lips_close_on_every_bilabial_without_lag(spoken, fps):
    _, clip, phones = spoken
    weights = animate(clip, phones, fps)
    opening = mouth_opening(weights)
    bilabials = [p for p in phones if p.label in ("P", "B", "M")]
    assert len(bilabials) == 12
    for phone in bilabials:
        nearest = int(round(phone.centre * fps))
        assert opening[nearest] <= SEALED, (fps, phone)
    # Frames held in the closure pose (lips pressed) sit around the phone's centre: at most one
    # frame of lag either way. Rest is sealed too, so the press, not the opening, marks them.
    press = weights[:, ARKIT_INDEX["mouthPressLeft"]]
    for phone in bilabials:
        nearest = int(round(phone.centre * fps))
        run = [nearest]
        while run[0] > 0 and press[run[0] - 1] >= HELD_PRESS:
            run.insert(0, run[0] - 1)
        while run[-1] + 1 < len(press) and press[run[-1] + 1] >= HELD_PRESS:
            run.append(run[-1] + 1)
        # Neighbouring bilabials (b-m in "Bob made") share one held stretch; skip those.
        if any(q is not phone and run[0] / fps - 0.5 / fps <= q.centre <= run[-1] / fps + 0.5 / fps
               for q in bilabials):
            continue
        run_centre = 0.5 * (run[0] + run[-1]) / fps
        assert abs(run_centre - phone.centre) <= 1.0 / fps + 1e-9, (fps, phone, run)


@pytest.mark.parametrize("fps", [23.976, 24, 30])
def test_bilabial_shorter_than_a_frame_still_closes(fps):
    """A 12 ms 'm' between two open vowels, lying between frame times."""
    centre = 0.5 + 0.5 / fps
    phones = [Phone("SIL", 0, 0.2), Phone("AA", 0.2, centre - 0.006), Phone("M", centre - 0.006, centre + 0.006),
              Phone("AA", centre + 0.006, 0.9), Phone("SIL", 0.9, 1.2)]
    weights = phones_to_weights(phones, fps, frame_count(1.2, fps))
    opening = mouth_opening(weights)
    assert opening[int(round(centre * fps))] <= SEALED
    assert opening.max() > 0.4


@pytest.mark.parametrize("fps", [24, 29.97, 60])
def test_open_vowels_open_the_jaw_at_their_own_time(spoken, fps):
    _, clip, phones = spoken
    jaw = animate(clip, phones, fps)[:, JAW]
    # A short vowel squeezed between two lip closures ("puppy") cannot open far; judge the others.
    open_vowels = [p for i, p in enumerate(phones) if p.label in OPEN_VOWELS and p.duration >= 0.08
                   and not (phones[i - 1].label in BILABIALS and phones[i + 1].label in BILABIALS)]
    assert len(open_vowels) >= 3
    for phone in open_vowels:
        inside = np.arange(int(np.ceil(phone.start * fps)), int(np.floor(phone.end * fps)) + 1)
        assert jaw[inside].max() >= 0.3, (fps, phone)
        # The peak of the jaw near this vowel lies within the vowel (a frame of slack): no lag.
        near = np.arange(max(0, inside[0] - 3), min(len(jaw), inside[-1] + 4))
        peak = near[np.argmax(jaw[near])] / fps
        assert phone.start - 1 / fps <= peak <= phone.end + 1 / fps, (fps, phone, peak)
    closed_vowels = [p for p in phones if p.label in ("IY", "UW")]
    for phone in closed_vowels:
        assert jaw[int(round(phone.centre * fps))] < 0.25, phone


@pytest.mark.parametrize("fps", [24, 30, 60])
def test_silence_returns_to_rest(spoken, fps):
    line, clip, phones = spoken
    weights = animate(clip, phones, fps)
    for pause in line.silences:
        # Rest from 0.15 s after the pause starts until the lips begin to shape the next word.
        settled = np.arange(int(np.ceil((pause.start + 0.15) * fps)), int((pause.end - 0.22) * fps) + 1)
        assert len(settled) > 0
        assert not weights[settled].any(), (fps, pause)


@pytest.mark.parametrize("fps", FRAME_RATES)
def test_no_jitter(spoken, fps):
    _, clip, phones = spoken
    weights = animate(clip, phones, fps).astype(np.float64)
    second = np.abs(np.diff(weights, n=2, axis=0))
    assert second.max() <= 0.45, (fps, second.max())
    # No shiver: a unit only goes up-down-up (or down-up-down) on consecutive frames where the
    # phones change under it (fast syllables at 24 fps); never inside one phone or in a pause.
    # Steps under 0.003 are invisible (jawOpen 0.003 moves the template's lower lip < 0.1 mm).
    step = np.diff(weights, axis=0)
    sign = np.where(np.abs(step) > 3e-3, np.sign(step), 0.0)
    zigzag = (sign[:-2] * sign[1:-1] < 0) & (sign[1:-1] * sign[2:] < 0)
    # Diphthongs glide between two targets, so their middles count as changes too.
    changes = [p.start for p in phones[1:]] + [p.centre for p in phones if p.label in DIPHTHONGS]
    for frame in np.flatnonzero(zigzag.any(axis=1)):
        assert any(frame / fps <= t <= (frame + 3) / fps for t in changes), (fps, frame)


def test_labiodental_and_rounding():
    fps = 30
    phones = [Phone("SIL", 0, 0.3), Phone("AH", 0.3, 0.45), Phone("F", 0.45, 0.6), Phone("AH", 0.6, 0.75),
              Phone("SIL", 0.75, 1.1), Phone("W", 1.1, 1.2), Phone("UW", 1.2, 1.45), Phone("SIL", 1.45, 2.0)]
    weights = phones_to_weights(phones, fps, frame_count(2.0, fps))
    at_f = weights[int(round(0.525 * fps))]
    assert at_f[ARKIT_INDEX["mouthRollLower"]] >= 0.4 and at_f[ARKIT_INDEX["mouthUpperUpLeft"]] > 0.15
    assert at_f[JAW] < weights[int(round(0.375 * fps)), JAW]
    at_uw = weights[int(round(1.32 * fps))]
    assert at_uw[ARKIT_INDEX["mouthPucker"]] >= 0.5 and at_uw[JAW] < 0.2


def test_quiet_speech_opens_the_jaw_less():
    phones = [Phone("SIL", 0, 0.2), Phone("AA", 0.2, 0.6), Phone("SIL", 0.6, 1.0)]
    n = frame_count(1.0, 30)
    loud = phones_to_weights(phones, 30, n, np.ones(n))[:, JAW].max()
    quiet = phones_to_weights(phones, 30, n, np.full(n, 0.2))[:, JAW].max()
    assert loud > quiet + 0.15


def test_no_phones_is_rest():
    assert not phones_to_weights([], 30, 10).any()
