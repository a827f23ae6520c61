"""The lower lip's midpoint slides along its crest in the fit: on the default head decimated to half, that
crest, where the shape's own landmark goes, is a corner 0.67 mm behind the head's; the template's crest still
lands where the head's is on that surface, so its lip is not stretched front to back."""

import numpy as np

from lipwright.retarget.fit import fit_template
from lipwright.retarget.landmarks import find_character_landmarks
from tests.retarget.auto_truth_cases import build, named_as_seen


def test_the_template_lower_lip_crest_lands_where_the_heads_is_not_on_the_coarse_corner(head):
    character = build(head, "decimated-mirrored-rotated-scaled")
    found = find_character_landmarks(character.mesh, use_detector=False)
    truth = named_as_seen(character)
    fit = fit_template(head, character.mesh, found.points)
    to_template = fit.similarity.inverse()
    true_crest, found_crest = to_template.map_points(np.stack([truth["lip_lower_mid"], found.points["lip_lower_mid"]]))
    assert np.linalg.norm(found_crest - true_crest) > 0.0005  # the landmark found is on the corner
    crest = fit.fitted[head.landmark_index["lip_lower_mid"]]
    assert np.linalg.norm(crest - true_crest) < 0.0003  # 0.53 mm before the lip midpoints slid
    # The lower lip's midline, front to back, keeps its length (it stretched 13%).
    front, back = 493, 540  # the head's midline vertices 1.2 mm in front of its crest and 1.9 mm behind
    rest = np.asarray(head.mesh.vertices, dtype=np.float64)
    stretch = np.linalg.norm(fit.fitted[back] - fit.fitted[front]) / np.linalg.norm(rest[back] - rest[front])
    assert abs(stretch - 1.0) < 0.05
