"""Lip sync of the default model on the real head, against speech whose timing is known.

The line is built from separately spoken words and silences of known length, so the truth of
where speech, silence and each plosive's closure lie comes from the waveform, not from the model.
"""

import numpy as np
import pytest

from lipwright.audio.clip import AudioClip
from lipwright.models.base import AnimationRequest
from lipwright.models.phonemes import PhonemeModel
from tests.speech import compose_line

WORDS = ["a papa", 0.6, "the map", 0.6, "Bob", 0.5, "pop a bubble"]
TRANSCRIPT = "a papa the map bob pop a bubble"
CLOSED_MM = 1.0  # inner lip gap above rest that still counts as closed
OPEN_MM = 5.0


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


@pytest.fixture(scope="module", params=[("espeak-ng", "en-us"), ("flite", "rms")], ids=["espeak-ng", "flite-rms"])
def line(request):
    engine, voice = request.param
    return compose_line([0.5, *WORDS, 0.5], engine=engine, voice=voice)


def lip_gap_mm(model, animation) -> np.ndarray:
    landmarks = animation.landmark_index
    shape = animation.rest[None] + animation.offsets
    upper, lower = shape[:, landmarks["lip_upper_mid"]], shape[:, landmarks["lip_lower_mid"]]
    # The lips of the MakeHuman head touch at rest; measure the vertical opening relative to that.
    rest_gap = animation.rest[landmarks["lip_upper_mid"], 2] - animation.rest[landmarks["lip_lower_mid"], 2]
    return 1000.0 * ((upper[:, 2] - lower[:, 2]) - rest_gap)


def animate(model, line, fps, transcript):
    clip = AudioClip(line.samples, line.sample_rate)
    return model.animate(AnimationRequest(clip=clip, fps=fps, transcript=transcript))


@pytest.mark.parametrize("fps", [23.976, 29.97, 30.0, 60.0])
def test_lips_close_within_a_frame_of_every_plosive_closure_in_the_waveform(model, line, fps):
    animation = animate(model, line, fps, TRANSCRIPT)
    gap = lip_gap_mm(model, animation)
    times = np.arange(len(gap)) / fps
    closures = [span for word in line.words if "p" in word.text.lower() or "b" in word.text.lower()
                for span in line.closures(word)]
    assert len(closures) >= 4  # the holds of papa, map, pop a bubble show in the waveform
    for span in closures:
        near = (times >= span.start - 1.0 / fps) & (times <= span.end + 1.0 / fps)
        assert gap[near].min() <= CLOSED_MM, f"lips not closed at the hold {span.start:.3f}-{span.end:.3f} s ({fps} fps)"


@pytest.mark.parametrize("transcript", [TRANSCRIPT, None], ids=["aligned", "recognised"])
def test_every_bilabial_closes_and_open_vowels_open(model, line, transcript):
    fps = 30.0
    animation = animate(model, line, fps, transcript)
    gap = lip_gap_mm(model, animation)
    phones = animation.meta["phones"]
    bilabials = [(s, e) for label, s, e in phones if label in ("P", "B", "M")]
    assert len(bilabials) >= (8 if transcript else 4)
    for start, end in bilabials:
        centre = int(round((start + end) / 2 * fps))
        assert gap[max(centre - 1, 0):centre + 2].min() <= CLOSED_MM, f"{start:.2f}-{end:.2f} s"
    open_vowels = [(s, e) for label, s, e in phones if label in ("AA", "AO", "AE") and e - s >= 0.06]
    assert open_vowels
    for start, end in open_vowels:
        frames = gap[int(np.ceil(start * fps)):int(end * fps) + 1]
        assert frames.max() >= OPEN_MM, f"open vowel at {start:.2f}-{end:.2f} s opened only {frames.max():.1f} mm"


def test_face_rests_in_silence_without_jitter(model, line):
    fps = 30.0
    animation = animate(model, line, fps, TRANSCRIPT)
    times = np.arange(animation.offsets.shape[0]) / fps
    for silence in line.silences:
        inside = (times > silence.start + 0.25) & (times < silence.end - 0.25)
        if inside.any():
            assert np.abs(animation.offsets[inside]).max() < 1e-4, f"face moves in the pause at {silence.start:.2f} s"


def closed_runs(closed: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) frame of each run of closed frames."""
    edges = np.diff(np.concatenate([[0], closed.astype(int), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1))


@pytest.mark.parametrize("fps", [23.976, 30.0, 60.0])
def test_closures_lag_the_waveform_by_at_most_one_frame(model, line, fps):
    """The lips shut no later than one frame after each hold in the waveform starts, and stay shut into it."""
    animation = animate(model, line, fps, TRANSCRIPT)
    closed = lip_gap_mm(model, animation) <= CLOSED_MM
    times = np.arange(len(closed)) / fps
    for word in line.words:
        # Lips rest closed in the pauses too: look only at the frames inside this word.
        runs = closed_runs(closed & (times >= word.start) & (times <= word.end))
        for hold in line.closures(word):
            first, last = min(runs, key=lambda run: abs((run[0] + run[1]) / 2 / fps - hold.centre))
            lag = first / fps - hold.start
            assert lag <= 1.0 / fps + 1e-9, f"lips shut {lag * fps:+.1f} frames after the hold at {hold.start:.3f} s"
            assert lag >= -0.12, f"lips shut {-lag:.3f} s before the hold at {hold.start:.3f} s"
            # A hold shorter than a frame may get a single closed frame, within a frame of the hold.
            assert last / fps >= hold.start - 1.0 / fps - 1e-9, f"lips part before the hold at {hold.start:.3f} s"
