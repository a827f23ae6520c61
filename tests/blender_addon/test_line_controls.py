"""line_controls: intensity, zero-phase smoothing and keyframe reduction on plain arrays."""

import numpy as np
import pytest

from tests.blender_addon.conftest import pure_module

controls = pure_module("line_controls")


def speech_like(frames=300, seed=0):
    """Curves that rise and fall like a mouth: smoothed random pulses in [0, 1]."""
    rng = np.random.default_rng(seed)
    pulses = (rng.random((frames, 4)) > 0.9).astype(float) * rng.random((frames, 4))
    return np.clip(controls.smooth(pulses, 3.0) * 4.0, 0.0, 1.0)


def test_intensity_zero_is_rest_and_two_is_twice_the_motion_within_the_slider():
    values = speech_like()
    assert np.all(controls.apply_controls(values, controls.LineControls(intensity=0.0)) == 0.0)
    doubled = controls.apply_controls(values, controls.LineControls(intensity=2.0), 0.0, 1.0)
    np.testing.assert_allclose(doubled, np.clip(values * 2.0, 0.0, 1.0))
    assert controls.LineControls(intensity=99.0, smoothing=-1.0).clamped() == controls.LineControls(
        intensity=controls.INTENSITY_MAX, smoothing=0.0)


def test_smoothing_is_zero_phase_and_keeps_a_constant():
    pulse = np.zeros(101)
    pulse[50] = 1.0
    smoothed = controls.smooth(pulse, 3.0)
    assert int(np.argmax(smoothed)) == 50  # the peak does not move in time
    np.testing.assert_allclose(smoothed, smoothed[::-1], atol=1e-12)  # symmetric: no lag
    np.testing.assert_allclose(controls.smooth(np.full((40, 2), 0.3), 4.0), 0.3)
    assert np.abs(np.diff(controls.smooth(speech_like(), 2.0), axis=0)).sum() < np.abs(np.diff(speech_like(), axis=0)).sum()


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("tolerance", [0.005, 0.02, 0.08])
def test_reduction_stays_within_tolerance_with_fewer_keys(seed, tolerance):
    values = speech_like(seed=seed)
    for column in values.T:
        kept = controls.reduce_keys(column, tolerance)
        assert kept[0] == 0 and kept[-1] == len(column) - 1
        error = np.abs(controls.linear_between_keys(column, kept) - column).max()
        assert error <= tolerance + 1e-12
        assert len(kept) < len(column) * (0.75 if tolerance < 0.01 else 0.5)


def test_no_reduction_keeps_every_frame():
    values = speech_like()[:, 0]
    np.testing.assert_array_equal(controls.reduce_keys(values, 0.0), np.arange(len(values)))


def test_upper_face_scales_brows_lids_and_squints_and_leaves_the_mouth_and_gaze():
    ARKIT_NAMES = pure_module("arkit_names").ARKIT_NAMES
    UPPER_FACE_UNITS, scale_upper_face = controls.UPPER_FACE_UNITS, controls.scale_upper_face
    weights = np.random.default_rng(0).uniform(0.1, 0.9, (20, len(ARKIT_NAMES))).astype(np.float32)
    scaled = scale_upper_face(weights, ARKIT_NAMES, 0.5)
    for column, name in enumerate(ARKIT_NAMES):
        expected = weights[:, column] * (0.5 if name in UPPER_FACE_UNITS else 1.0)
        np.testing.assert_allclose(scaled[:, column], expected, rtol=1e-6)
    assert {"browInnerUp", "eyeBlinkLeft", "cheekSquintRight"} <= UPPER_FACE_UNITS <= set(ARKIT_NAMES)
    assert not any(name.startswith(("jaw", "mouth", "eyeLook")) for name in UPPER_FACE_UNITS)
    assert np.array_equal(weights, scale_upper_face(weights, ARKIT_NAMES, 1.0))  # the input is not changed
