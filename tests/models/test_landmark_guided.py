"""The landmark-guided model: its landmarks are read off the template correctly (the default head's
and a corpus's), its sampling is seeded, its built-in smoothing removes jitter, and checkpoints saved
before it shared parts/latent_diffusion.py load and sample as they did."""

import numpy as np
import torch

from lipwright.models.landmark_guided import LandmarkGuided, gaussian_kernel
from lipwright.models.parts.landmark_set import default_head_landmarks
from lipwright.datasets.corpus import Corpus
from lipwright.template import LANDMARK_NAMES, load_default_head

from .tiny_networks import first_batch, pieces, tiny_network


def test_the_default_heads_landmarks_cover_lips_jaw_cheeks_and_upper_face():
    head = load_default_head()
    found = default_head_landmarks(lip_points=6, upper_points=4)
    assert len(set(found.names)) == len(found.names) == len(found.vertices) == len(set(found.vertices))
    assert set(LANDMARK_NAMES) <= set(found.names)
    by_name = dict(zip(found.names, found.vertices))
    assert all(by_name[f"lip_{n:02d}"] in set(head.lip_vertices.tolist()) for n in range(6))
    assert all(by_name[f"upper_{n:02d}"] in set(head.upper_face_vertices.tolist()) for n in range(4))
    jaw_open = np.linalg.norm(head.targets[head.target_names.index("jawOpen")], axis=1)
    assert all(jaw_open[by_name[f"jaw_{n:02d}"]] > 0.4 * jaw_open.max() for n in range(4))
    assert {"cheek_00", "cheek_01"} <= set(found.names)
    np.testing.assert_allclose(found.rest, head.mesh.vertices[list(found.vertices)], atol=1e-6)


def test_the_landmarks_of_a_motion_are_the_template_posed_by_it(tiny_corpus):
    network, _ = tiny_network("landmarks", pieces(tiny_corpus)[:2])
    head = load_default_head()
    weights = torch.zeros(1, 1, 52)
    weights[0, 0, head.target_names.index("jawOpen")] = 1.0
    positions = network.landmark_positions(network.landmarks_of(weights))[0, 0].numpy()
    posed = head.posed({"jawOpen": 1.0})[list(network.settings.landmark_vertices)]
    np.testing.assert_allclose(positions, posed, atol=1e-5)
    names = list(network.settings.landmark_names)
    lower_lip = names.index("lip_lower_mid")
    assert positions[lower_lip, 2] < head.mesh.vertices[network.settings.landmark_vertices[lower_lip], 2] - 1e-3


def test_a_vertex_space_run_reads_its_landmarks_off_the_corpus_template(tiny_corpus):
    corpus = Corpus(tiny_corpus)
    settings = LandmarkGuided.settings_from_data({"lip_points": 5, "upper_points": 3}, tiny_corpus, "vertices")
    regions = set(corpus.region("lve").tolist()) | set(corpus.region("fdd").tolist())
    assert len(settings["landmark_vertices"]) == 8 and set(settings["landmark_vertices"]) <= regions
    examples = pieces(tiny_corpus, space="vertices")[:2]
    network, _ = tiny_network("landmarks", examples, space="vertices", **settings)
    offsets = torch.from_numpy(examples[0].motion[None, :3])
    picked = offsets.view(1, 3, -1, 3)[:, :, settings["landmark_vertices"]]
    normalised = network.landmarks_of(offsets).view(1, 3, -1, 3)
    torch.testing.assert_close(normalised * network.settings.landmark_scale / network.settings.gain, picked)


def test_one_seed_gives_one_answer_and_two_seeds_two(tiny_corpus):
    examples = pieces(tiny_corpus)
    network, _ = tiny_network("landmarks", examples)
    network.eval()
    batch = first_batch(network, examples, size=1)
    speakers = torch.tensor([0])
    first = network.sample_landmarks(batch.audio, batch.frames, speakers, seeds=[1])
    again = network.sample_landmarks(batch.audio, batch.frames, speakers, seeds=[1])
    other = network.sample_landmarks(batch.audio, batch.frames, speakers, seeds=[2])
    assert torch.equal(first, again)
    assert (first - other).abs().max() > 1e-3


def test_the_built_in_smoothing_removes_frame_to_frame_jitter(tiny_corpus):
    examples = pieces(tiny_corpus)
    network, _ = tiny_network("landmarks", examples)
    network.eval()
    batch = first_batch(network, examples, size=1)
    speakers = torch.tensor([0])

    def jitter() -> float:
        sampled = network.sample_landmarks(batch.audio, batch.frames, speakers, seeds=[1])
        return float((sampled[:, 2:] - 2 * sampled[:, 1:-1] + sampled[:, :-2]).abs().mean())

    smoothed = jitter()
    network.diffusion.denoiser.kernel = gaussian_kernel(0.0)
    assert smoothed < 0.5 * jitter()


def test_a_run_animates_a_line_with_its_landmark_trajectories_in_the_result(tiny_corpus, tmp_path):
    from lipwright import wire
    from lipwright.audio.clip import AudioClip
    from lipwright.jobs.animation_job import write_animation
    from lipwright.models.base import AnimationRequest
    from lipwright.models.trained_run import TrainedRunModel
    from lipwright.training.checkpoint import save_checkpoint

    examples = pieces(tiny_corpus)
    network, config = tiny_network("landmarks", examples)
    torch.nn.init.normal_(network.decoder.out.weight, std=0.5)  # random output: motion that follows the audio
    folder = save_checkpoint(tmp_path / "run", network.state_dict(), config)
    model = TrainedRunModel(folder)
    # Longer than one 8 s window: the trajectories go through the windows and their blending.
    audio = np.concatenate([examples[0].audio] * 6)[: 16000 * 11]
    animation = model.animate(AnimationRequest(AudioClip(audio, 16000), fps=25.0, offsets=False))
    assert animation.weights.shape == (275, 52)
    assert animation.landmark_tracks.shape == (275, len(config.settings["landmark_names"]), 3)
    assert animation.landmark_track_names == tuple(config.settings["landmark_names"])
    rest = np.asarray(config.settings["landmark_rest"], dtype=np.float32).reshape(-1, 3)
    assert np.abs(animation.landmark_tracks - rest).max() < 0.5 * network.settings.landmark_scale
    write_animation(animation, {"model": "run"}, tmp_path / "line.npz")
    result = wire.decode_result((tmp_path / "line.npz").read_bytes())
    np.testing.assert_array_equal(result["landmark_tracks"], animation.landmark_tracks)
    assert result["landmark_track_names"] == list(animation.landmark_track_names)


def test_contact_decisions_learn_and_are_committed_to_the_weights(tiny_corpus, tmp_path):
    from lipwright.models.parts.contacts import contact_loss, mouth_opening

    from .tiny_networks import train_briefly

    examples = pieces(tiny_corpus)
    network, config = tiny_network("landmarks", examples, contacts=True, contact_weight=1.0)
    batch = first_batch(network, examples, size=3)
    speakers = torch.tensor([0, 1, 0])

    def decision_loss() -> float:
        network.eval()
        with torch.no_grad():
            landmarks = network.sample_landmarks(batch.audio, batch.frames, speakers)
            return float(contact_loss(network.contact_net(landmarks, batch.frame_mask), batch.motion,
                                      batch.frame_mask))

    before = decision_loss()
    train_briefly(network, config, examples, tmp_path / "run", epochs=4)
    assert decision_loss() < 0.8 * before
    # Committed: a network sure that every frame is sealed seals every frame.
    with torch.no_grad():
        network.contact_net.out.bias.copy_(torch.tensor([10.0, -10.0]))
    motion = network.predict(batch.audio, batch.frames, speakers)
    assert float(mouth_opening(motion)[batch.frame_mask].max()) < 1e-4


def old_layout(name: str) -> str:
    """A weight's name as checkpoints saved before the shared latent diffusion named it."""
    name = name.replace("diffusion.denoiser.network.", "denoiser.")
    for new, old in (("latent_in.", "landmarks_in."), ("transformer.", "body."), ("latent_out.", "out.")):
        name = name.replace(f"denoiser.{new}", f"denoiser.{old}")
    return name


def test_a_checkpoint_in_the_old_layout_loads_and_samples_the_same(tiny_corpus, tmp_path):
    from lipwright.models.networks import load_network
    from lipwright.training.checkpoint import load_checkpoint, save_checkpoint

    examples = pieces(tiny_corpus)
    network, config = tiny_network("landmarks", examples, contacts=True, layers=2)
    for parameter in network.parameters():  # every weight matters to the output, the zeroed ones too
        torch.nn.init.normal_(parameter, std=0.2)
    network.eval()
    old = {old_layout(name): tensor for name, tensor in network.state_dict().items()}
    assert {"denoiser.landmarks_in.weight", "denoiser.body.layers.1.linear2.bias", "denoiser.out.bias",
            "denoiser.step_in.2.weight", "denoiser.style.table.weight", "contact_net.out.weight"} <= set(old)
    assert not any(name.startswith("diffusion.") for name in old)
    save_checkpoint(tmp_path / "old", old, config)
    loaded = load_network(tmp_path / "old")
    assert set(load_checkpoint(tmp_path / "old")[1]) == set(old)  # the file keeps the old names
    batch = first_batch(network, examples, size=3)
    speakers = torch.tensor([0, 1, -1])
    for steps in (None, 2):
        expected = network.predict_with_landmarks(batch.audio, batch.frames, speakers, seeds=[4, 5, 6], steps=steps)
        got = loaded.predict_with_landmarks(batch.audio, batch.frames, speakers, seeds=[4, 5, 6], steps=steps)
        assert torch.equal(got[0], expected[0]) and torch.equal(got[1], expected[1])
    assert float((expected[0] - network.predict(batch.audio, batch.frames, speakers, seeds=[7, 8, 9]))
                 .abs().max()) > 1e-4  # the seed reaches the output: the comparison can fail


def test_fine_tuning_from_a_checkpoint_in_the_old_layout_starts_from_all_its_weights(tiny_corpus, tmp_path):
    from lipwright.training.checkpoint import save_checkpoint
    from lipwright.training.recipe import _start_from

    examples = pieces(tiny_corpus)[:2]
    trained, config = tiny_network("landmarks", examples)
    for parameter in trained.parameters():
        torch.nn.init.normal_(parameter, std=0.2)
    save_checkpoint(tmp_path / "old", {old_layout(name): tensor for name, tensor in trained.state_dict().items()},
                    config)
    fresh, _ = tiny_network("landmarks", examples)
    _start_from(fresh, tmp_path / "old")
    expected = trained.state_dict()
    assert all(torch.equal(tensor, expected[name]) for name, tensor in fresh.state_dict().items())
