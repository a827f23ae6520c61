"""Truth by construction with landmarks found automatically (issue 10): each construction of the default head
(remeshed, turned, mirrored, scaled, a Y-up export, turned about the vertical) goes through
find_character_landmarks -> prepare_character -> a spoken line, and its lips are compared with the head's own
motion. Prints a markdown table: orientation error, landmark errors, lip error, closures kept.
With `open`, the open-mouthed characters (test_prepare_open_mouth.FOUND_CASES) instead: the jaw's opening read,
each mouth and jaw key's worst lip vertex at weight 1, and the lip landmarks over the line.
Run from the project root: PYTHONPATH=backend:. .venv/bin/python benchmarks/measure_auto_truth.py [open | names...]
"""

import sys

import numpy as np
from scipy.spatial.transform import Rotation

from lipwright.retarget.landmarks import find_character_landmarks
from lipwright.retarget.prepare import prepare_character
from lipwright.template import load_default_head
from tests.retarget.auto_truth_cases import CASES, build, named_as_seen
from tests.retarget.conftest import LINE
from tests.retarget.truth_measures import LIP_LANDMARKS, lip_truth, source_closed


def spoken_weights() -> np.ndarray:
    from lipwright.audio.clip import AudioClip
    from lipwright.models.base import AnimationRequest
    from lipwright.models.phonemes import PhonemeModel
    from tests.speech import synthesise

    clip = AudioClip(synthesise(LINE, engine="espeak-ng", voice="en-us"), 16000)
    animation = PhonemeModel().animate(AnimationRequest(clip=clip, fps=30.0, transcript=LINE.lower(), offsets=False))
    return np.asarray(animation.weights, dtype=np.float64)


def orientation_error_deg(found, character) -> float:
    """Angle between the found canonical frame and the true one (the head's, mirrored for a mirrored mesh)."""
    linear = character.linear / np.cbrt(abs(np.linalg.det(character.linear)))
    true = found.rotation @ linear
    if np.linalg.det(linear) < 0:
        true = true @ np.diag([-1.0, 1.0, 1.0])
    return float(np.degrees(Rotation.from_matrix(true).magnitude()))


def open_mouths() -> None:
    from lipwright.retarget import prepare
    from tests.retarget.test_prepare_open_mouth import FOUND_CASES, worst_key_errors

    head = load_default_head()
    weights = spoken_weights()
    fits = []
    fit_template = prepare.fit_template

    def recorded(*args):  # the fit, to read the jaw's opening from it
        fits.append(fit_template(*args))
        return fits[-1]

    prepare.fit_template = recorded
    print("| construction | landmarks | jawOpen read | jawOpen (% mw) | mouthClose (% mw) | worst other key (% mw) "
          "| lip landmarks over the line (% mw) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, make in FOUND_CASES.items():
        character = make(head)
        for use_detector in (True, False):
            found = find_character_landmarks(character.mesh, use_detector=use_detector)
            prepared = prepare_character(character.mesh, found.points)
            keys = worst_key_errors(head, character, prepared.targets)
            other = max((error, unit) for unit, error in keys.items() if unit not in ("jawOpen", "mouthClose"))
            measured = lip_truth(head, character, prepared.targets, weights)
            print(f"| {name} | {found.method} | {fits[-1].jaw_open:.3f} | {100 * keys['jawOpen']:.1f} "
                  f"| {100 * keys['mouthClose']:.1f} | {100 * other[0]:.1f} ({other[1]}) "
                  f"| {100 * measured.worst:.2f} |", flush=True)
    prepare.fit_template = fit_template


def main(names: list[str]) -> None:
    head = load_default_head()
    weights = spoken_weights()
    print(f"source closures: {int(source_closed(head, weights).sum())} of {len(weights)} frames")
    print("| construction | landmarks | orientation error (deg) | corner error (% mw) | lip mid error (% mw) "
          "| lip error max (% mw) | lip vertices p99 (% mw) | closures kept |")
    print("|---|---|---:|---:|---:|---:|---:|---|")
    for name in names or list(CASES):
        character = build(head, name)
        truth = named_as_seen(character)
        width = np.linalg.norm(truth["mouth_corner_left"] - truth["mouth_corner_right"])
        for use_detector in (True, False):
            found = find_character_landmarks(character.mesh, use_detector=use_detector)
            error = {key: 100 * np.linalg.norm(found.points[key] - truth[key]) / width for key in LIP_LANDMARKS}
            prepared = prepare_character(character.mesh, found.points)
            measured = lip_truth(head, character, prepared.targets, weights)
            print(f"| {name} | {found.method} | {orientation_error_deg(found, character):.1f} "
                  f"| {max(error['mouth_corner_left'], error['mouth_corner_right']):.1f} "
                  f"| {max(error['lip_upper_mid'], error['lip_lower_mid']):.1f} | {100 * measured.worst:.2f} "
                  f"| {100 * measured.lip_p99:.2f} | {'yes' if measured.closures_kept else 'NO'} |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:] == ["open"]:
        open_mouths()
    else:
        main(sys.argv[1:])
