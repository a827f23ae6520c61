"""Preparing a character through the real server: find landmarks, fit with them, get 52 ARKit shape keys;
bad meshes answered at once or failed with a message that names the problem and the fix."""

import numpy as np
import pytest
import trimesh

from lipwright import prepare_wire
from lipwright.motion.arkit import ARKIT_NAMES
from lipwright.template import load_default_head
from tests.retarget.constructions import decimated_skin, placed
from tests.server.server_process import wait_for_state, wait_until_finished

PREPARE = "/v1/prepare"


@pytest.fixture(scope="module")
def head():
    return load_default_head()


@pytest.fixture(scope="module")
def character(head):
    """The default head's skin decimated to a new topology, turned to Y-up, scaled and moved."""
    vertices, triangles, origin = decimated_skin(head, 0.5)
    return placed(head, vertices, triangles, origin, rotation_axis=[1.0, 0.0, 0.0], angle=-np.pi / 2,
                  mirror=False, scale=8.0)


def post(client, options, vertices, triangles, landmarks=None):
    triangles = np.asarray(triangles)
    body = prepare_wire.encode_prepare_request(options, vertices, triangles.reshape(-1),
                                               np.full(len(triangles), 3), landmarks)
    return client.post(PREPARE, content=body, headers={"Content-Type": "application/octet-stream"})


def finished(client, response, timeout=300.0):
    assert response.status_code == 202, response.text
    assert response.headers["Location"] == f"/v1/jobs/{response.json()['id']}"
    return wait_until_finished(client, response.json()["id"], timeout=timeout)


def triangles_of(character):
    return character.mesh.faces_flat.reshape(-1, 3)


def mouth_width(landmarks):
    return np.linalg.norm(np.asarray(landmarks["mouth_corner_left"]) - np.asarray(landmarks["mouth_corner_right"]))


def test_landmarks_then_fit_give_the_52_arkit_keys_of_the_character(client, character, head):
    seen = finished(client, post(client, {"step": "landmarks"}, character.mesh.vertices, triangles_of(character)))
    status = seen[-1]
    assert status["state"] == "done", status["error"]
    assert any("orienting" in s["message"] for s in seen), [s["message"] for s in seen]
    found = prepare_wire.decode_prepare_result(client.get(status["result_url"]).content)
    assert found["meta"]["method"] in ("detected", "geometric")
    assert "targets" not in found
    width = mouth_width(character.landmarks)
    for name in ("lip_upper_mid", "lip_lower_mid", "mouth_corner_left", "mouth_corner_right"):
        miss = np.linalg.norm(found["landmarks"][name] - character.landmarks[name])
        assert miss < 0.3 * width, f"{name} is {miss / width:.2f} mouth widths from the truth"

    # The user moves one landmark a little (as in Blender), then fits.
    landmarks = dict(found["landmarks"])
    landmarks["chin"] = landmarks["chin"] + 0.02 * width
    seen = finished(client, post(client, {"step": "fit"}, character.mesh.vertices, triangles_of(character), landmarks))
    status = seen[-1]
    assert status["state"] == "done", status["error"]
    messages = " | ".join(s["message"] for s in seen)
    assert "fitting" in messages or "correspondence" in messages or "shape keys" in messages, messages
    result = prepare_wire.decode_prepare_result(client.get(status["result_url"]).content)
    vertex_count = character.mesh.vertex_count
    assert result["targets"].shape == (52, vertex_count, 3)
    assert result["target_names"] == list(ARKIT_NAMES)
    assert result["correspondence_corners"].shape == (vertex_count, 3)
    np.testing.assert_allclose(result["landmarks"]["chin"], landmarks["chin"])
    report = result["meta"]["report"]
    assert set(report) >= {"poor_areas", "is_poor", "warnings", "surface_error_median"}
    # jawOpen moves the character as the head's jawOpen moves the same places (known by construction).
    jaw = ARKIT_NAMES.index("jawOpen")
    truth = character.true_motion(head.targets[jaw][None])[0]
    made = result["targets"][jaw]
    cosine = np.sum(made * truth) / (np.linalg.norm(made) * np.linalg.norm(truth))
    assert cosine > 0.8, f"jawOpen points elsewhere than the head's (cosine {cosine:.2f})"


def test_a_mesh_without_a_face_fails_with_what_to_do(client):
    sphere = trimesh.creation.icosphere(subdivisions=3)
    status = finished(client, post(client, {"step": "landmarks"}, sphere.vertices, sphere.faces))[-1]
    assert status["state"] == "failed"
    assert "no face found" in status["error"] and "place the landmarks by hand" in status["error"]


@pytest.mark.parametrize("vertices, triangles, expected", [
    (np.zeros((0, 3)), np.zeros((0, 3), int), "vertices"),
    (trimesh.creation.box().vertices, trimesh.creation.box().faces, "too few"),
])
def test_empty_or_tiny_meshes_are_refused_at_once(client, vertices, triangles, expected):
    response = post(client, {"step": "landmarks"}, vertices, triangles)
    assert response.status_code == 422, response.text
    assert expected in response.json()["detail"]


def test_too_many_vertices_are_refused_naming_the_limit(client):
    # The test server allows 20,000 vertices.
    grid = trimesh.creation.box().subdivide_to_size(0.02)
    assert len(grid.vertices) > 20_000
    response = post(client, {"step": "landmarks"}, grid.vertices, grid.faces)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert f"{len(grid.vertices):,} vertices" in detail and "up to 20,000" in detail and "Decimate" in detail


def test_a_fit_without_landmarks_or_with_unknown_options_is_refused(client, character):
    response = post(client, {"step": "fit"}, character.mesh.vertices, triangles_of(character))
    assert response.status_code == 422 and "find them first" in response.json()["detail"]
    response = post(client, {"step": "fit", "speed": 3}, character.mesh.vertices, triangles_of(character))
    assert response.status_code == 400 and "unknown prepare-character options" in response.json()["detail"]
    response = post(client, {"step": "sculpt"}, character.mesh.vertices, triangles_of(character))
    assert response.status_code == 422 and "step" in response.json()["detail"]


def test_a_landmark_job_can_be_cancelled(client, character):
    response = post(client, {"step": "landmarks"}, character.mesh.vertices, triangles_of(character))
    assert response.status_code == 202
    job_id = response.json()["id"]
    client.post(f"/v1/jobs/{job_id}/cancel")
    status = wait_for_state(client, job_id, "cancelled", timeout=60.0)
    assert status["result_url"] is None


def test_a_scalar_for_the_vertices_is_refused_with_a_message(client):
    body = prepare_wire.encode_prepare_request({"step": "landmarks"}, np.float32(1.0), [0, 1, 2], [3])
    response = client.post(PREPARE, content=body, headers={"Content-Type": "application/octet-stream"})
    assert response.status_code == 422, response.text
    assert "vertices" in response.json()["detail"]
