"""Recognition "network": the phone search plus the lip closures and jaw opening the shipped GLDiTalker
hears and the p/b/m the three shipped networks' phone heads hear, on real speech from espeak-ng voices
the phone search hears poorly, scored against the transcript aligned."""

from types import SimpleNamespace

import numpy as np
import pytest
from pydantic import ValidationError

from lipwright.audio.clip import AudioClip, frame_count
from lipwright.cli.recognition_option import RECOGNITION_CHOICES
from lipwright.errors import ModelError
from lipwright.jobs.animation_job import JobOptions
from lipwright.metrics.lipsync import lipsync_scores, opening_and_rest
from lipwright.models.base import AnimationRequest
from lipwright.models import registry
from lipwright.models.network_hearing import NetworkHearing, hearing_problem, open_jaw_as_heard, sealed_spans
from lipwright.motion.arkit import ARKIT_INDEX
from lipwright.motion.visemes import mouth_opening
from lipwright.models.phonemes import PhonemeModel, weights_for_phones
from lipwright.phones.align import align_phones
from lipwright.phones.heard_bilabials import COUNTERPART
from lipwright.phones.track import RECOGNITION_MODES, phones_for_clip
from lipwright.synthetic.augment import coloured_noise
from tests.speech import synthesise

TEXT = "My brother bought a big blue map, and maybe the baby will bump a pumpkin by the barn."
FPS = 30.0


@pytest.fixture(scope="module")
def model():
    return PhonemeModel()


def animate(model, clip, recognition, transcript=None):
    return model.animate(AnimationRequest(clip=clip, fps=FPS, recognition=recognition, transcript=transcript,
                                          offsets=False))


def search_alone(clip):
    """The phone search's own result, before any network weighs it (fast mode without the phone heads)."""
    track = phones_for_clip(clip, None, "fast")
    return SimpleNamespace(meta={"phones": [[p.label, round(p.start, 4), round(p.end, 4)] for p in track.phones]},
                           weights=weights_for_phones(track.phones, clip, FPS))


def bilabials(animation) -> set[tuple]:
    return {tuple(phone) for phone in animation.meta["phones"] if phone[0] in ("P", "B", "M")}


def assert_closures_kept_unless_unheard(search, network):
    """Every closure the phone search heard stays, unless the networks heard no p/b/m over it: then the
    same stretch of sound is that closure's counterpart (a t, d or n)."""
    for label, start, end in bilabials(search) - bilabials(network):
        assert any(other == COUNTERPART[label] and s < end and start < e
                   for other, s, e in network.meta["phones"]), (label, start, end)


@pytest.mark.parametrize("voice", ["en-us+m3", "en-gb+f2"])
def test_the_network_closes_lips_the_phone_search_missed_keeping_every_closure_and_opening(model, voice):
    clip = AudioClip(synthesise(TEXT, voice=voice), 16000)
    truth = [(p.label, p.start, p.end) for p in align_phones(clip, TEXT)]
    search, fast, network = search_alone(clip), animate(model, clip, "fast"), animate(model, clip, "network")
    scores = {name: lipsync_scores(truth, *opening_and_rest(a.weights), FPS)
              for name, a in (("search", search), ("fast", fast), ("network", network))}
    closed = {name: sum(score["closed"]) for name, score in scores.items()}
    assert closed["fast"] >= closed["search"] + 3, closed  # the phone heads alone (numpy)
    assert closed["network"] >= closed["search"] + 3, closed
    assert closed["network"] >= 0.8 * sum(label in ("P", "B", "M") for label, _, _ in truth), closed
    assert_closures_kept_unless_unheard(search, network)
    assert_closures_kept_unless_unheard(search, fast)
    assert sum(scores["network"]["opened"]) >= sum(scores["search"]["opened"])
    assert network.meta["recognised_by"] == "phones and network"
    assert animate(model, clip, "network").weights.tolist() == network.weights.tolist()  # one seed, one answer


@pytest.mark.parametrize("seed", range(4))
def test_over_generated_lines_the_networks_close_more_and_drop_only_unheard_closures(model, seed):
    """Invariant over generated sentences and voices: every closure the phone search heard stays, with
    its timing, unless no network heard one there, and the lips close on at least as many truth p/b/m
    as with the phone search alone: in fast mode (the phone heads) and in network mode."""
    from lipwright.demo.sentences import sentences

    text = " ".join(sentences(2, seed=seed))
    clip = AudioClip(synthesise(text, voice=("en-us+m3", "en-gb+f2", "en-us", "en-gb-x-rp")[seed]), 16000)
    truth = [(p.label, p.start, p.end) for p in align_phones(clip, text)]
    search, fast, network = search_alone(clip), animate(model, clip, "fast"), animate(model, clip, "network")
    assert_closures_kept_unless_unheard(search, network)
    assert_closures_kept_unless_unheard(search, fast)
    closed = [sum(lipsync_scores(truth, *opening_and_rest(a.weights), FPS)["closed"]) for a in (search, fast, network)]
    assert closed[1] >= closed[0] and closed[2] >= closed[0], (text, closed)


def test_a_transcript_is_aligned_whatever_the_recognition(model):
    clip = AudioClip(synthesise(TEXT, voice="en-gb+f2"), 16000)
    assert np.array_equal(animate(model, clip, "network", TEXT).weights, animate(model, clip, "fast", TEXT).weights)


def test_background_noise_is_named_for_the_phone_search_alone(model):
    """Recognition "network" holds its closures under room tone (benchmarks/RESULTS.md): no warning there."""
    speech = np.concatenate([np.zeros(8000), synthesise(TEXT, voice="en-gb"), np.zeros(8000)])
    hiss = coloured_noise(len(speech), "pink", np.random.default_rng(0), 16000) * 10 ** (-45 / 20)
    clip = AudioClip((speech + hiss).astype(np.float32), 16000)
    noisy = [any("background noise" in w for w in animate(model, clip, mode).meta["warnings"])
             for mode in ("fast", "network")]
    assert noisy == [True, False]


def test_no_usable_network_is_a_clear_error_and_fast_still_works(tmp_path):
    model = PhonemeModel()
    model.hearing = NetworkHearing(run_folder=tmp_path)
    clip = AudioClip(synthesise("A big map.", voice="en-gb"), 16000)
    with pytest.raises(ModelError, match="recognition 'fast'"):
        animate(model, clip, "network")
    assert animate(model, clip, "fast").weights.shape[1] == 52


def test_sealed_frames_become_spans_in_seconds():
    heard = np.zeros((10, 52), dtype=np.float32)
    heard[[0, 3, 4, 6], ARKIT_INDEX["jawOpen"]] = 0.3  # parted; the other frames sealed
    assert sealed_spans(heard, 10.0) == [(0.1, 0.3), (0.5, 0.6), (0.7, 1.0)]
    heard[:, ARKIT_INDEX["jawOpen"]] = 0.3
    assert sealed_spans(heard, 30.0) == []


@pytest.mark.parametrize("seed", range(20))
def test_the_jaw_opens_as_heard_only_where_the_lips_are_parted(seed):
    """Over generated weights: parted frames get at least the heard jaw, every other unit is untouched,
    sealed and rest frames are unchanged, and the result is never less open than the rules' own."""
    rng = np.random.default_rng(seed)
    frames = int(rng.integers(5, 80))
    weights = rng.uniform(0, 1, (frames, 52)).astype(np.float32) * (rng.uniform(size=(frames, 52)) < 0.3)
    weights[rng.uniform(size=frames) < 0.3] = 0.0  # rest frames
    heard = rng.uniform(0, 1, (frames + int(rng.integers(-2, 3)), 52)).astype(np.float32)
    opened = open_jaw_as_heard(weights, heard)
    jaw = ARKIT_INDEX["jawOpen"]
    parted = mouth_opening(weights) > 0.01
    assert np.array_equal(np.delete(opened, jaw, axis=1), np.delete(weights, jaw, axis=1))
    assert np.array_equal(opened[~parted], weights[~parted])
    both = min(frames, len(heard))
    assert np.all(opened[:both][parted[:both], jaw] >= heard[:both][parted[:both], jaw])
    assert np.all(mouth_opening(opened) >= mouth_opening(weights) - 1e-7)


def test_every_door_offers_the_same_recognitions():
    assert set(RECOGNITION_CHOICES) == set(RECOGNITION_MODES)
    for mode in RECOGNITION_MODES:
        assert JobOptions(recognition=mode).recognition == mode
    with pytest.raises(ValidationError):
        JobOptions(recognition="networks")


def test_the_model_list_says_which_recognitions_run_here(tmp_path):
    """Listing asks the run's config only: here (PyTorch installed) every mode runs; a folder without a run,
    or a vertex-space run, is named as the reason, without loading anything."""
    assert dict(registry.model_info("phonemes").recognition) == {mode: "" for mode in RECOGNITION_MODES}
    assert hearing_problem() == ""
    assert hearing_problem(tmp_path) == f"{tmp_path} holds no trained run"
    from tests.models.tiny_run import make_tiny_run

    import json

    config = make_tiny_run(tmp_path / "vertex-run") / "config.json"
    config.write_text(json.dumps(json.loads(config.read_text()) | {"motion_space": "vertices"}))
    assert "predicts vertices" in hearing_problem(tmp_path / "vertex-run")


@pytest.mark.parametrize("unavailable", [(), ("network",), ("accurate", "network"), RECOGNITION_MODES])
def test_a_mode_that_cannot_run_is_refused_when_the_job_is_sent(unavailable):
    """Over every mode, with and without a transcript, for several sets of modes that cannot run: a job is
    refused exactly when it asks without a transcript for a mode that cannot run (before it waits in the
    queue), naming why and what to choose; with a transcript the mode is not used."""
    registry.register_model("hears-badly", "lipwright.models.phonemes:PhonemeModel", "test model",
                            recognition=lambda: {mode: f"{mode} needs PyTorch" if mode in unavailable else ""
                                                 for mode in RECOGNITION_MODES})
    try:
        for mode in RECOGNITION_MODES:
            assert JobOptions(model="hears-badly", recognition=mode, transcript="A map.").recognition == mode
            if mode in unavailable:
                with pytest.raises(ValidationError, match=rf"recognition '{mode}' cannot run here \({mode} needs PyTorch"):
                    JobOptions(model="hears-badly", recognition=mode)
            else:
                assert JobOptions(model="hears-badly", recognition=mode).recognition == mode
    finally:
        registry.unregister_model("hears-badly")


# -- the phone heads' p/b/m, heard beside the motion --

def tiny_hearing_runs(root):
    from tests.models.tiny_run import make_tiny_gldtalker_run, make_tiny_run

    hearing = make_tiny_gldtalker_run(root / "hearing", phones=True)
    listening = make_tiny_run(root / "listening", seed=1, phones=True)  # hears 3 frames ahead
    deaf = make_tiny_run(root / "deaf")  # no phone head
    return hearing, listening, deaf


def heard_by_head(run, clip) -> np.ndarray:
    from lipwright.audio.heard_line import heard_line
    from lipwright.models.phone_heads import RunHead

    return RunHead.from_folder(run).bilabial(heard_line(clip).samples)


def test_the_hearing_hears_p_b_m_with_its_own_head_and_every_listening_runs(tmp_path):
    hearing, listening, deaf = tiny_hearing_runs(tmp_path)
    clip = AudioClip(synthesise("Bob met Pam by the map.", voice="en-us"), 16000)
    heard = NetworkHearing("cpu", hearing, (listening,))(clip, 24.0)
    own, other = (heard_by_head(run, clip) for run in (hearing, listening))
    assert heard.weights.shape == (frame_count(clip.seconds, 24.0), 52) and heard.bilabial_fps == 30.0
    np.testing.assert_allclose(heard.bilabial[:3], own[:3])  # the look-ahead run has not heard these
    np.testing.assert_allclose(heard.bilabial[3:], (own[3:] + other[3:]) / 2, atol=1e-6)
    lips = heard.lips(24.0)
    assert lips.sealed == sealed_spans(heard.weights, 24.0) and lips.fps == 30.0
    # A hearing run without a head still hears with the listening runs'.
    np.testing.assert_allclose(NetworkHearing("cpu", deaf, (listening,))(clip, 30.0).bilabial, other)
    # Heads switched off (score_epochs --no-heads): the same motion, and no head listens, the run's own included.
    unheard = NetworkHearing("cpu", hearing, (listening,), phone_heads=False)(clip, 24.0)
    assert unheard.bilabial is None
    np.testing.assert_array_equal(unheard.weights, heard.weights)


@pytest.mark.parametrize("seed", range(30))
def test_values_at_other_rates_are_met_at_the_new_frames_and_unheard_frames_skipped_in_the_mean(seed):
    from lipwright.models.phone_heads import mean_heard
    from lipwright.motion.retime import retimed

    rng = np.random.default_rng(seed)
    from_fps, to_fps = rng.choice([24.0, 25.0, 30.0, 60.0], size=2)
    seconds = float(rng.uniform(0.5, 4.0))
    times = np.arange(int(seconds * from_fps) + 1) / from_fps
    source = np.stack([np.sin(times * 3.0), np.cos(times * 2.0)], axis=1)  # smooth signals, sampled
    met = retimed(source, from_fps, to_fps, int(seconds * to_fps))
    at = np.arange(len(met)) / to_fps
    np.testing.assert_allclose(met, np.stack([np.sin(at * 3.0), np.cos(at * 2.0)], axis=1), atol=0.01)
    np.testing.assert_array_equal(retimed(source[:, 0], from_fps, to_fps, len(met)), met[:, 0])  # one column alike
    heads = [rng.uniform(0, 1, 50) for _ in range(int(rng.integers(1, 4)))]
    for head in heads:
        head[:int(rng.integers(0, 6))] = np.nan
    mean = mean_heard(heads)
    for frame in range(50):
        values = [head[frame] for head in heads if not np.isnan(head[frame])]
        assert (np.isnan(mean[frame]) if not values else mean[frame] == pytest.approx(np.mean(values)))


def test_a_listening_run_needs_a_phone_head_and_a_missing_one_is_named_before_anything_loads(tmp_path):
    hearing, listening, deaf = tiny_hearing_runs(tmp_path)
    missing = tmp_path / "gone"
    assert "gone" in hearing_problem(hearing, (missing,)) and hearing_problem(hearing, (listening,)) == ""
    assert "no phone head" in hearing_problem(hearing, (deaf,))
    clip = AudioClip(synthesise("A big map.", voice="en-gb"), 16000)
    for absent in (missing, deaf):
        with pytest.raises(ModelError, match=f"{absent.name}.*recognition 'fast'"):
            NetworkHearing("cpu", hearing, (absent,))(clip, FPS)
