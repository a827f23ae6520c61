"""A character modelled with its mouth open (sculpts and scans often are): the default head's skin opened by its
own jawOpen (0.35, and a wide 0.7), remeshed, turned, mirrored and scaled. Lips register to lips across the gap,
the fit folds nothing, and the generated keys move the lips as the head's keys do.

The truth is exact: the head's keys are offsets, so from its opened rest they still move each point by the
same offsets, and jawOpen and mouthClose on the character go on from where its rest is: mouthClose at the
rest's own opening shuts the lips, as mouthClose with jawOpen does on the head. Before the head was opened to
the character's mouth (the closed head was warped open), the 0.7 character had 7 upper-lip vertices placed on
the lower lip, 267 folded mouth triangles, and jawOpen carried up to 3 mouth widths off."""

import numpy as np
import pytest

from lipwright.geometry.mesh import MeshData
from lipwright.retarget.fit_report import inverted_triangles
from lipwright.retarget.landmarks import find_character_landmarks
from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.template_regions import template_regions
from lipwright.retarget.transfer import transfer_targets
from tests.retarget.constructions import decimated_skin, lip_halves, mouth_width, opened_rest, placed, stylise
from tests.retarget.test_prepare_truth import (  # noqa: F401
    test_lip_landmarks_follow_the_heads_motion_within_2_percent_of_mouth_width_at_every_frame)
from tests.retarget.truth_measures import lip_points

CASES = {
    # name: (jawOpen weight, kept share of faces, rotation axis, angle, mirror, scale)
    "jaw-0.35-decimated-turned": (0.35, 0.5, [1.0, 2.0, 0.5], 0.6, False, 2.0),
    "jaw-0.7-decimated-mirrored-turned-small": (0.7, 0.6, [0.0, 1.0, 0.2], 2.5, True, 0.02),
}
# The keys the lips' motion is checked on, each at weight 1.
MOUTH_UNITS = ("jawOpen", "jawForward", "mouthClose", "mouthFunnel", "mouthPucker", "mouthSmileLeft",
               "mouthRollLower", "mouthRollUpper", "mouthUpperUpLeft", "mouthLowerDownRight", "mouthPressLeft")


@pytest.fixture(scope="module", params=sorted(CASES))
def case(request):
    return request.param


@pytest.fixture(scope="module")
def jaw_open(case) -> float:
    return CASES[case][0]


def open_character(head, case: str):
    jaw_open, keep, axis, angle, mirror, scale = CASES[case]
    return placed(head, *decimated_skin(head, keep=keep, jaw_open=jaw_open), rotation_axis=axis, angle=angle,
                  mirror=mirror, scale=scale, jaw_open=jaw_open)


@pytest.fixture(scope="module")
def character(head, case):
    return open_character(head, case)


@pytest.fixture(scope="module")
def prepared(character):
    return prepare_character(character.mesh, character.landmarks)


def test_the_construction_is_open_and_remeshed(head, character, jaw_open):
    gap = np.linalg.norm(character.landmarks["lip_upper_mid"] - character.landmarks["lip_lower_mid"])
    assert gap > 0.25 * mouth_width(character) * jaw_open / 0.35
    assert character.mesh.vertex_count != len(head.parts["skin"])


def test_the_fit_reports_a_good_fit_without_folds(prepared):
    report = prepared.report
    assert report.inverted_mouth_triangles == 0 and report.poor_areas == () and report.warnings == ()
    assert max(report.landmark_errors.values()) < 0.02


def test_every_lip_vertex_registers_to_its_own_lip(head, character, prepared):
    """Each upper-lip vertex of the character is placed on the template's upper lip, each lower-lip vertex on the
    lower lip: no barycentric weight on the other lip, and the jaw's motion sampled there is the true one."""
    upper, lower = lip_halves(head)
    correspondence = prepared.correspondence
    jaw = np.asarray(head.targets[head.target_names.index("jawOpen")], dtype=np.float64)
    sampled = correspondence.sample(jaw)
    truth = np.einsum("vcd,vc->vd", jaw[character.origin_corners], character.origin_weights)
    for own, other in ((upper, lower), (lower, upper)):
        vertices = np.flatnonzero(own[character.origin_corners].all(axis=1))
        assert len(vertices) >= 20
        on_other = (other[correspondence.corners[vertices]] * correspondence.barycentric[vertices]).sum(axis=1)
        assert on_other.max() == 0.0
        # Across the gap the lower lip's jaw motion is 0.78 mouth widths (head units) from the upper lip's.
        miss = np.linalg.norm(sampled[vertices] - truth[vertices], axis=1) / template_regions(head).mouth_width
        assert miss.max() < 0.02


def worst_key_errors(head, character, targets: np.ndarray) -> dict[str, float]:
    """Each of MOUTH_UNITS at weight 1: its worst lip vertex's distance from the head's key, a share of the mouth
    width."""
    upper, lower = lip_halves(head)
    lips = np.flatnonzero((upper | lower)[character.origin_corners].all(axis=1))
    worst = {}
    for unit in MOUTH_UNITS:
        index = head.target_names.index(unit)
        truth = character.true_motion(np.asarray(head.targets[index], dtype=np.float64))
        worst[unit] = float(np.linalg.norm(targets[index][lips] - truth[lips], axis=1).max() / mouth_width(character))
    return worst


def test_the_keys_move_every_lip_vertex_as_the_heads_keys_do(head, character, prepared):
    for unit, error in worst_key_errors(head, character, prepared.targets).items():
        assert error < 0.02, f"{unit}: {error:.1%} of the mouth width"


def test_untangling_the_keys_of_a_remeshed_open_head_moves_no_vertex(head, prepared):
    """Every fold its keys make is the head's own (a remeshed triangle across the opened lips turns over with
    the head's motion): untangling leaves the keys as carried. When the fold check put each vertex back on the
    head's surface instead of as far off it as it lies, it smoothed lip vertices 4 to 13% of the mouth width
    off the head's motion."""
    carried = transfer_targets(head.targets, prepared.correspondence)
    for index, name in enumerate(head.target_names):
        if name.startswith(("jaw", "mouth")):
            np.testing.assert_array_equal(prepared.targets[index], carried[index], err_msg=name)


def test_mouth_close_at_the_rests_opening_shuts_the_lips_and_jaw_open_opens_them_further(head, character, prepared,
                                                                                          jaw_open):
    """The gap between the character's vertices at the lip midpoints, as a share of the mouth width: mouthClose at
    the rest's own jawOpen weight shuts it, as the head's mouthClose with jawOpen does; jawOpen widens it as on the
    head. The truth: the head's keys sampled at those vertices."""
    vertices = np.asarray(character.mesh.vertices, dtype=np.float64)
    pair = [int(np.argmin(np.linalg.norm(vertices - character.landmarks[name], axis=1)))
            for name in ("lip_upper_mid", "lip_lower_mid")]
    head_targets = np.asarray(head.targets, dtype=np.float64)

    def gaps(**weights) -> tuple[float, float]:
        """(carried, true) gap with the keys at these weights."""
        units = [head.target_names.index(unit) for unit in weights]
        amounts = np.array(list(weights.values()))
        carried = vertices[pair] + np.einsum("u,uvd->vd", amounts, prepared.targets[units][:, pair])
        true = vertices[pair] + character.true_motion(np.einsum("u,uvd->vd", amounts, head_targets[units]))[pair]
        return tuple(float(np.linalg.norm(moved[0] - moved[1]) / mouth_width(character)) for moved in (carried, true))

    rest = float(np.linalg.norm(vertices[pair[0]] - vertices[pair[1]]) / mouth_width(character))
    closed, truly_closed = gaps(mouthClose=jaw_open)
    assert truly_closed < 0.1 < 0.25 < rest  # the construction: mouthClose at the rest's opening shuts the lips
    assert abs(closed - truly_closed) < 0.02
    opened, truly_opened = gaps(jawOpen=0.3)
    assert truly_opened > rest + 0.15
    assert abs(opened - truly_opened) < 0.02


# Found landmarks on the 0.35 character and on a wide-open one (0.7, not mirrored: found landmarks name left and
# right as the face has them, the mirrored construction as the head has them), each within test_landmarks_truth's
# bars (lip midpoints 5% of the mouth width, corners 10%; chin 10% here, measured 1.8%, and 2.5% at 0.7, where
# the chin was found at the chin's front, 24% off with the shape guess and 28% with the detector, before the
# guess turned the chin down with the jaw; the fit then reported the chin poorly fitted). Before, the detector's
# lower lip midpoint was cast onto the mouth's back (1.9 mouth widths deep: preparing refused the landmarks), its corners and chin were 13 to 18%
# off, and the shape-only guess took the crease under the nose for the seam (lips 38 to 61% off, chin 80%).
FOUND_TOLERANCE = {"lip_upper_mid": 0.05, "lip_lower_mid": 0.05, "mouth_corner_left": 0.1, "mouth_corner_right": 0.1,
                   "chin": 0.1, "nose_tip": 0.05}
# With found landmarks, the lip landmarks' vertices follow the spoken line within this share of the mouth
# width (measured 1.9% detected, 1.8% shape-only; 8.9% before the corners and chin were found on the opening).
FOUND_LIP_ERROR = 0.05


FOUND_CASES = {"jaw-0.35-decimated-turned": lambda head: open_character(head, "jaw-0.35-decimated-turned"),
               "jaw-0.7-decimated-turned-small": lambda head: placed(
                   head, *decimated_skin(head, keep=0.6, jaw_open=0.7), rotation_axis=[0.0, 1.0, 0.2], angle=2.5,
                   mirror=False, scale=0.02, jaw_open=0.7)}


@pytest.fixture(scope="module", params=[(case, method) for case in FOUND_CASES for method in ("detected", "geometric")],
                ids=lambda param: "-".join(param))
def found_on_open_mouth(request, head):
    """An open-mouthed character with its landmarks found automatically, and prepared with them; (case, method)."""
    case, method = request.param
    character = FOUND_CASES[case](head)
    found = find_character_landmarks(character.mesh, use_detector=method == "detected")
    assert found.method == method
    return character, found, prepare_character(character.mesh, found.points), request.param


def test_found_landmarks_lie_at_the_open_mouths_lips_corners_and_chin(found_on_open_mouth):
    character, found, _, _ = found_on_open_mouth
    for name, tolerance in FOUND_TOLERANCE.items():
        error = np.linalg.norm(found.points[name] - character.landmarks[name]) / mouth_width(character)
        assert error < tolerance, f"{name}: {error:.1%} of the mouth width"


def test_prepared_with_found_landmarks_lips_register_to_their_own_lip_without_folds(head, found_on_open_mouth):
    character, found, prepared, _ = found_on_open_mouth
    # Upper lids placed by proportion on the empty eye sockets (the shape-only guess warns so) lie 21-26% of the
    # mouth width from the true ones, and the report names them as misplaced; nothing else may be named.
    named = set(prepared.report.misplaced_landmarks)
    if any("proportions" in warning for warning in found.warnings):
        assert named <= {"upper_lid_left", "upper_lid_right"}
        assert set(prepared.report.poor_areas) <= {"left eye", "right eye"}
    else:
        assert not named and prepared.report.poor_areas == () and not prepared.report.is_poor
    assert prepared.report.inverted_mouth_triangles == 0
    upper, lower = lip_halves(head)
    correspondence = prepared.correspondence
    for own, other in ((upper, lower), (lower, upper)):
        vertices = np.flatnonzero(own[character.origin_corners].all(axis=1))
        on_other = (other[correspondence.corners[vertices]] * correspondence.barycentric[vertices]).sum(axis=1)
        assert on_other.max() == 0.0


def test_prepared_with_found_landmarks_the_lips_follow_the_heads_motion(head, found_on_open_mouth, spoken_weights):
    character, _, prepared, _ = found_on_open_mouth
    truth = character.true_motion(np.einsum("fu,uvd->fvd", spoken_weights, head.targets))
    carried = np.einsum("fu,uvd->fvd", spoken_weights, prepared.targets)
    vertices = np.array(list(lip_points(character).values()))
    error = np.linalg.norm(carried[:, vertices] - truth[:, vertices], axis=2) / mouth_width(character)
    assert error.max() < FOUND_LIP_ERROR, f"{error.max():.1%} of the mouth width"


# Each mouth and jaw key at weight 1 with found landmarks, worst lip vertex, as a share of the mouth width:
# (case, method): (mouthClose, every other key). Measured 4.6 / 1.7% (0.35 detected), 4.8 / 2.3% (0.35 shape),
# 5.3 / 2.3% (0.7 detected), 6.9 / 2.4% (0.7 shape); before the open mouth's lower lip and chin slid along the
# midline, its lids reached half as far and the jaw's opening was read without them: 8.5 / 3.6%, 15.7 / 4.4%,
# 10.7 / 4.3%, 18.5 / 4.3%. mouthClose is the steep one: along the lower lip it changes up to 3.2 mouth widths
# per mouth width (jawOpen 1.0), so a lip vertex placed 1% of the mouth width off carries it 3% off; the 2% bar
# needs the lips placed within 0.6% (0.3 mm on the head), finer than the landmarks are found (1 to 3%).
FOUND_KEY_ERROR = {("jaw-0.35-decimated-turned", "detected"): (0.05, 0.02),
                   ("jaw-0.35-decimated-turned", "geometric"): (0.055, 0.027),
                   ("jaw-0.7-decimated-turned-small", "detected"): (0.06, 0.026),
                   ("jaw-0.7-decimated-turned-small", "geometric"): (0.077, 0.027)}


def test_prepared_with_found_landmarks_each_key_moves_the_lips_near_the_heads_keys(head, found_on_open_mouth):
    character, _, prepared, found_case = found_on_open_mouth
    close_bar, other_bar = FOUND_KEY_ERROR[found_case]
    for unit, error in worst_key_errors(head, character, prepared.targets).items():
        assert error < (close_bar if unit == "mouthClose" else other_bar), f"{unit}: {error:.1%} of the mouth width"


@pytest.fixture(scope="module")
def stylised_open(head):
    """The stylised test face (eyes bigger, mouth wider, chin pulled in) modelled with jawOpen 0.35, decimated:
    (vertices, its origins on the head, landmarks, prepared)."""
    vertices, triangles, origin = decimated_skin(head, keep=0.5, jaw_open=0.35,
                                                 warp=lambda points: stylise(points, head))
    mesh = MeshData(vertices=vertices.astype(np.float32), faces_flat=triangles.reshape(-1).astype(np.int32),
                    face_sizes=np.full(len(triangles), 3, dtype=np.int32))
    landmarks = {name: point for name, point in
                 zip(head.landmark_index, stylise(opened_rest(head, 0.35)[list(head.landmark_index.values())], head))}
    return vertices, origin, landmarks, prepare_character(mesh, landmarks)


def test_a_stylised_face_modelled_open_fits_without_folds_and_its_lips_register(head, stylised_open):
    _, (corners, _), _, prepared = stylised_open
    assert prepared.report.inverted_mouth_triangles == 0 and prepared.report.poor_areas == ()
    upper, lower = lip_halves(head)
    correspondence = prepared.correspondence
    for own, other in ((upper, lower), (lower, upper)):
        vertices = np.flatnonzero(own[corners].all(axis=1))
        on_other = (other[correspondence.corners[vertices]] * correspondence.barycentric[vertices]).sum(axis=1)
        assert on_other.max() == 0.0


def test_a_stylised_face_modelled_open_closes_and_opens_as_its_construction_does(head, stylised_open):
    """The truth: the head's keys applied to the head before the stylising warp, read at the same places. Its
    mouth is wider and its chin pulled in, so how far the landmarks as a whole say the jaw is open misled the
    head's opening (0.145 for 0.35): mouthClose then left the lips 9.3% of the mouth width apart (truth 3.0%)
    and jawOpen opened them twice as far as the truth. The lips' gap alone reads 0.315."""
    vertices, (corners, weights), landmarks, prepared = stylised_open
    pair = [int(np.argmin(np.linalg.norm(vertices - landmarks[name], axis=1)))
            for name in ("lip_upper_mid", "lip_lower_mid")]
    width = np.linalg.norm(landmarks["mouth_corner_left"] - landmarks["mouth_corner_right"])
    head_targets = np.asarray(head.targets, dtype=np.float64)

    def gaps(unit: str, weight: float) -> tuple[float, float]:
        """(carried, true) gap between the lip midpoints' vertices with `unit` at `weight`."""
        index = head.target_names.index(unit)
        carried = vertices[pair] + weight * prepared.targets[index][pair]
        moved = stylise(opened_rest(head, 0.35) + weight * head_targets[index], head)
        true = np.einsum("vcd,vc->vd", moved[corners[pair]], weights[pair])
        return tuple(float(np.linalg.norm(points[0] - points[1]) / width) for points in (carried, true))

    rest = float(np.linalg.norm(vertices[pair[0]] - vertices[pair[1]]) / width)
    closed, truly_closed = gaps("mouthClose", 0.35)
    assert truly_closed < 0.05 < 0.2 < rest
    assert abs(closed - truly_closed) < 0.02
    opened, truly_opened = gaps("jawOpen", 0.3)
    assert abs((opened - rest) / (truly_opened - rest) - 1.0) < 0.15


@pytest.fixture(scope="module")
def stylised_open_triangles(head) -> np.ndarray:
    """The triangles of stylised_open's mesh (the same decimation again)."""
    return decimated_skin(head, keep=0.5, jaw_open=0.35, warp=lambda points: stylise(points, head))[1]


def test_a_stylised_face_modelled_open_folds_fewer_mouth_triangles_than_its_keys_as_carried(head, stylised_open,
                                                                                            stylised_open_triangles):
    """Triangles of the mouth that a jaw or mouth key turns over where the construction's own motion (the head's
    key before the stylising warp) keeps them upright: untangled, at 0.3, 0.6 and 1.0 over every such key, 0, 5
    and 18 (as carried 0, 8 and 29), none more for any key at any weight."""
    vertices, (corners, weights), landmarks, prepared = stylised_open
    triangles = stylised_open_triangles
    width = np.linalg.norm(landmarks["mouth_corner_left"] - landmarks["mouth_corner_right"])
    centre = np.mean([landmarks[name] for name in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left",
                                                   "mouth_corner_right")], axis=0)
    mouth = triangles[(np.linalg.norm(vertices - centre, axis=1) < 1.2 * width)[triangles].all(axis=1)]
    carried = transfer_targets(head.targets, prepared.correspondence)
    head_targets = np.asarray(head.targets, dtype=np.float64)
    totals = {"untangled": np.zeros(3, dtype=int), "carried": np.zeros(3, dtype=int)}
    for index, name in enumerate(head.target_names):
        if not name.startswith(("jaw", "mouth")):
            continue
        for column, amount in enumerate((0.3, 0.6, 1.0)):
            moved = stylise(opened_rest(head, 0.35) + amount * head_targets[index], head)
            truth = inverted_triangles(vertices, np.einsum("vcd,vc->vd", moved[corners], weights), mouth)
            counts = {label: int((inverted_triangles(vertices, vertices + amount * keys[index], mouth) & ~truth).sum())
                      for label, keys in (("untangled", prepared.targets), ("carried", carried))}
            assert counts["untangled"] <= counts["carried"], f"{name} at {amount}: {counts}"
            for label, count in counts.items():
                totals[label][column] += count
    assert totals["untangled"][2] < totals["carried"][2], totals
