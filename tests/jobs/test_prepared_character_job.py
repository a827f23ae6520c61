"""A job for a prepared character (its mesh sent with its correspondence): whatever the model, its motion on the
default head is carried over to the character. For a weights model that is exactly what the character's
generated keys give with the same weights; for a vertex-space run, the run's own offsets carried through the
correspondence. A stale or damaged correspondence is refused before any model runs."""

import io
from dataclasses import replace

import numpy as np
import pytest
import soundfile

from lipwright import wire
from lipwright.audio.clip import AudioClip
from lipwright.errors import MeshError
from lipwright.jobs.animation_job import RequestError, animate_prepared, prepare_animation
from lipwright.models import registry
from lipwright.models.base import AnimationRequest
from lipwright.models.trained_run import TrainedRunModel
from lipwright.retarget.correspondence import correspondence_npz_bytes
from lipwright.retarget.part_weights import estimate_part_weights
from lipwright.retarget.prepare import prepare_character
from lipwright.retarget.transfer import transfer_offsets
from tests.retarget.conftest import head  # noqa: F401  (the default head, shared)
from tests.retarget.constructions import decimated_skin, placed
from tests.speech import synthesise

LINE = "Bob made a map of the moon"


@pytest.fixture(scope="module")
def character(head):
    return placed(head, *decimated_skin(head, 0.5), rotation_axis=[1.0, 0.0, 0.0], angle=np.pi / 2, mirror=False,
                  scale=10.0)


@pytest.fixture(scope="module")
def prepared(character):
    return prepare_character(character.mesh, character.landmarks)


@pytest.fixture(scope="module")
def speech() -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, synthesise(LINE, engine="espeak-ng", voice="en-us"), 16000, format="WAV")
    return buffer.getvalue()


def character_request(speech, character, correspondence: bytes, **options) -> bytes:
    mesh = character.mesh
    return wire.encode_request(speech, {"fps": 30.0, **options}, mesh.vertices, mesh.faces_flat, mesh.face_sizes,
                               correspondence=correspondence)


def run(request: bytes) -> dict:
    return wire.decode_result(animate_prepared(prepare_animation(request), lambda f, m: None, "cpu"))


def test_a_weights_model_moves_a_prepared_character_as_its_generated_keys_do(speech, character, prepared, head):
    request = character_request(speech, character, correspondence_npz_bytes(prepared.correspondence),
                                model="phonemes", transcript=LINE)
    result = run(request)
    offsets, weights = result["offsets"], result["weights"]
    assert offsets.shape == (len(weights), character.mesh.vertex_count, 3)
    np.testing.assert_array_equal(result["rest"], character.mesh.vertices)
    by_keys = np.einsum("fk,kvd->fvd", weights, prepared.targets)
    scale = np.abs(by_keys).max()
    assert scale > 0.01  # the line moves the mouth (the character is ten times the head's size)
    # The keys are the head's units carried over, but where preparing smoothed away a fold of the character's
    # own (retarget.untangle): there the offsets keep the carried units, a few vertices, a little apart.
    by_units = np.einsum("fk,kvd->fvd", weights, transfer_offsets(head.targets, prepared.correspondence))
    np.testing.assert_allclose(offsets, by_units, atol=1e-4 * scale)
    apart = np.abs(offsets - by_keys).max(axis=(0, 2))
    mouth_width = np.linalg.norm(character.landmarks["mouth_corner_left"] - character.landmarks["mouth_corner_right"])
    assert np.mean(apart > 1e-4 * scale) < 0.01 and apart.max() < 0.05 * mouth_width
    # The units that move its separate parts come with it: the model's own weights.
    columns = [list(prepared.target_names).index(name) for name in result["part_weight_names"]]
    assert "jawOpen" in result["part_weight_names"] and "mouthSmileLeft" not in result["part_weight_names"]
    np.testing.assert_array_equal(result["part_weights"], weights[:, columns])


def test_a_vertex_space_run_is_carried_to_a_character_of_another_topology(speech, character, prepared, head,
                                                                          tmp_path):
    from tests.evaluation.tiny_run import untrained_run

    folder = untrained_run(tmp_path / "run", [], space="vertices", motion_dim=3 * head.vertex_count) / "best"
    registry.register_model("vertex-run", lambda device: TrainedRunModel(folder, device), "test: vertex space",
                            motion_space="vertices")
    try:
        result = run(character_request(speech, character, correspondence_npz_bytes(prepared.correspondence),
                                       model="vertex-run"))
        model = registry.get_model("vertex-run")
    finally:
        registry.unregister_model("vertex-run")
    samples, rate = soundfile.read(io.BytesIO(speech), dtype="float32")
    on_head = model.animate(AnimationRequest(clip=AudioClip(samples, rate), fps=30.0)).offsets
    assert on_head.shape[1:] == (head.vertex_count, 3) and np.abs(on_head).max() > 0
    assert result["offsets"].shape == (len(on_head), character.mesh.vertex_count, 3)
    expected = transfer_offsets(on_head, prepared.correspondence)
    np.testing.assert_allclose(result["offsets"], expected, atol=1e-5 * np.abs(expected).max())
    # The units that move its separate parts, estimated from the run's motion on the head.
    estimate = estimate_part_weights(on_head, head)
    assert result["part_weight_names"] == list(estimate.names)
    np.testing.assert_allclose(result["part_weights"], estimate.weights, atol=1e-6)
    # Read at the character's vertices nearest the lip seam, the carried motion is the head's there, at
    # the character's size and turn (truth by construction).
    truth = character.true_motion(on_head)
    near_face = prepared.correspondence.distance < 1e-3
    error = np.linalg.norm(result["offsets"][:, near_face] - truth[:, near_face], axis=2)
    assert np.median(error) < 0.05 * np.linalg.norm(truth[:, near_face], axis=2).max()


def test_a_vertex_space_run_of_another_template_says_a_prepared_character_follows_the_default_head(
        speech, character, prepared, tmp_path):
    from lipwright.errors import ModelError
    from tests.evaluation.tiny_run import untrained_run

    folder = untrained_run(tmp_path / "run", [], space="vertices", motion_dim=3 * 10) / "best"
    registry.register_model("small-run", lambda device: TrainedRunModel(folder, device), "test: 10 vertices",
                            motion_space="vertices")
    try:
        with pytest.raises(ModelError, match="not the default head's that a prepared character follows"):
            run(character_request(speech, character, correspondence_npz_bytes(prepared.correspondence),
                                  model="small-run"))
    finally:
        registry.unregister_model("small-run")


def test_a_stale_or_damaged_correspondence_is_refused_before_the_model_runs(speech, character, prepared):
    whole = prepared.correspondence
    # The fit of an earlier version of the mesh: one vertex fewer.
    cut = replace(whole, triangle=whole.triangle[:-1], corners=whole.corners[:-1],
                  barycentric=whole.barycentric[:-1], distance=whole.distance[:-1], frames=whole.frames[:-1])
    with pytest.raises(MeshError, match="prepare the character again"):
        prepare_animation(character_request(speech, character, correspondence_npz_bytes(cut), model="phonemes"))
    with pytest.raises(MeshError, match="unreadable"):
        prepare_animation(character_request(speech, character, b"not an npz at all", model="phonemes"))
    arrays = dict(np.load(io.BytesIO(wire.encode_request(speech, {"model": "phonemes"}))))
    arrays["correspondence"] = np.frombuffer(correspondence_npz_bytes(whole), np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    with pytest.raises(RequestError, match="without the character's mesh"):
        prepare_animation(buffer.getvalue())
