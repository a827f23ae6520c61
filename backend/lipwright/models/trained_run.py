"""A trained run (a folder made by `lipwright train`) as a speech model the job worker can run.

Lines of any length: the audio is cut into overlapping windows of one length, all windows of all
lines asked at once go through the network in shared batches, and the pieces are cross-faded back
(motion/windows.py). Weights-space runs also give offsets on the default head (or on the user's mesh
of that topology, through the similarity that places the head on it)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .. import __version__
from ..audio.clip import AudioClip, frame_count
from ..audio.declip import clipping_warning
from ..audio.heard_line import HEARING_RATE, heard_line
from ..audio.pause_noises import without_pause_noises
from ..errors import ModelError
from ..motion.arkit import ARKIT_NAMES
from ..motion.retime import retimed
from ..motion.windows import audio_span, blend_windows, plan_windows
from .base import Animation, AnimationRequest, Progress, no_progress
from .head_offsets import rest_and_offsets

SAMPLE_RATE = HEARING_RATE
WINDOW_SECONDS = 8.0  # near the length of the clips the networks train on
OVERLAP_SECONDS = 1.0
WINDOWS_PER_PASS = 16  # windows that share one forward pass (bounds memory on long lines)


class TrainedRunModel:
    def __init__(self, folder: str | Path, device: str = "cpu", name: str | None = None) -> None:
        import torch

        from .networks import load_network

        self.folder = Path(folder)
        self.device = device
        self.network = load_network(self.folder, device)
        self.config = self.network.config
        self.name = name or self.folder.name
        self.description = (f"{self.config.model} trained in {self.config.motion_space} space "
                            f"({len(self.config.speakers)} speakers); no transcript needed")
        self.head = None
        if self.config.motion_space == "weights":
            from ..template import load_default_head

            self.head = load_default_head()
        self._torch = torch

    @property
    def speakers(self) -> list[str]:
        return list(self.config.speakers)

    def speaker_index(self, speaker: str | None) -> int:
        if speaker is None or speaker == "":
            return -1
        if speaker not in self.config.speakers:
            raise ModelError(f"the model {self.name!r} has no speaker {speaker!r}; choose one of "
                             f"{', '.join(self.config.speakers)}, or none for the average style")
        return self.config.speakers.index(speaker)

    # -- many lines at once --
    @property
    def stochastic(self) -> bool:
        """Whether the network draws its motion from a seed (GLDiTalker) rather than computing one answer."""
        return bool(getattr(self.network, "stochastic", False))

    def predict_lines(self, clips: Sequence[AudioClip], speakers: Sequence[str | None],
                      progress: Progress = no_progress, seeds: Sequence[int | None] | None = None,
                      steps: int | None = None) -> list[np.ndarray]:
        """Each clip's motion at the run's frame rate, (frames, motion_dim), the windows of all clips
        sharing forward passes. A stochastic network draws line i from seeds[i] (0 when not given; each
        window its own seed derived from it, so a line is the same alone or batched) in `steps`
        sampling steps (None: the run's own); other networks ignore both."""
        return [motion for motion, _ in self._predict(clips, speakers, progress, seeds, steps)]

    def _predict(self, clips: Sequence[AudioClip], speakers: Sequence[str | None], progress: Progress = no_progress,
                 seeds: Sequence[int | None] | None = None, steps: int | None = None
                 ) -> list[tuple[np.ndarray, np.ndarray | None]]:
        """Each clip's (motion, landmark trajectories (frames, L, 3) or None) at the run's frame rate.
        Landmarks, from networks that predict them, ride beside the motion as extra columns through the
        windows and their blending."""
        torch = self._torch
        seeds = [0 if seed is None else int(seed) for seed in (seeds or [None] * len(clips))]
        fps = self.config.fps
        window = max(1, round(WINDOW_SECONDS * fps))
        overlap = round(OVERLAP_SECONDS * fps)
        jobs = []  # (line, window range, audio piece, speaker index, (line seed, window number))
        plans = []
        heard: dict[int, np.ndarray] = {}  # by clip: sample_lines asks for one line many times
        for line, (clip, speaker) in enumerate(zip(clips, speakers)):
            if id(clip) not in heard:
                # Inhales and mouth clicks brought down: the networks never heard one in training, and moved the
                # mouth through two pauses in three when an inhale 20 dB under the voice came before each phrase
                # (JambaTalk through two in five with two clicks in each pause).
                heard[id(clip)] = without_pause_noises(heard_line(clip)).samples
            samples = heard[id(clip)]
            frames = frame_count(clip.seconds, fps)  # the line's as given: resampled, its length is rounded
            windows = plan_windows(frames, window, overlap)
            plans.append((frames, windows))
            index = self.speaker_index(speaker)
            for number, span in enumerate(windows):
                start, stop = audio_span(span, fps, SAMPLE_RATE)
                jobs.append((line, span, samples[start:stop], index, (seeds[line], number)))
        pieces: dict[int, list[np.ndarray]] = {line: [] for line in range(len(clips))}
        for first in range(0, len(jobs), WINDOWS_PER_PASS):
            chunk = jobs[first:first + WINDOWS_PER_PASS]
            frames = [job[1][1] - job[1][0] for job in chunk]
            # Room for every window's whole span even where the line ends inside its last frame, so a
            # line reads the same samples (its own, then silence) alone or beside longer ones.
            width = max(max(len(job[2]), round(count / fps * SAMPLE_RATE) + 1) for job, count in zip(chunk, frames))
            audio = np.zeros((len(chunk), width), dtype=np.float32)
            for row, job in enumerate(chunk):
                audio[row, :len(job[2])] = job[2]
            with torch.inference_mode():
                motion = self._forward(torch.from_numpy(audio).to(self.device), frames,
                                       torch.tensor([job[3] for job in chunk], device=self.device),
                                       self._sampling_options([job[4] for job in chunk], steps))
            motion = motion.float().cpu().numpy()
            for row, job in enumerate(chunk):
                pieces[job[0]].append(motion[row, :frames[row]])
            progress(min(first + WINDOWS_PER_PASS, len(jobs)) / len(jobs) * 0.9, "running the network")
        width = self.config.motion_dim
        blended = [blend_windows(pieces[line], windows, frames) if frames else np.zeros((0, width + self._extra))
                   for line, (frames, windows) in enumerate(plans)]
        return [(both[:, :width], both[:, width:].reshape(len(both), self._extra // 3, 3) if self._extra else None)
                for both in blended]

    @property
    def _extra(self) -> int:
        """Columns beside the motion: the landmark trajectories' coordinates, for networks that have them."""
        return 3 * len(getattr(self.network.settings, "landmark_vertices", ())) \
            if hasattr(self.network, "predict_with_landmarks") else 0

    def _forward(self, audio, frames: list[int], speakers, options: dict):
        if not self._extra:
            return self.network.predict(audio, frames, speakers, **options)
        motion, landmarks = self.network.predict_with_landmarks(audio, frames, speakers, **options)
        return self._torch.cat([motion, landmarks.flatten(2)], dim=-1)

    def _sampling_options(self, window_seeds: list[tuple[int, int]], steps: int | None) -> dict:
        if not self.stochastic:
            return {}
        from .parts.latent_diffusion import derived_seed

        return {"seeds": [derived_seed(seed, window) for seed, window in window_seeds], "steps": steps}

    def sample_lines(self, clip: AudioClip, speaker: str | None, count: int, seed: int = 0,
                     steps: int | None = None, progress: Progress = no_progress) -> list[np.ndarray]:
        """`count` samples of one line, sample k drawn from seed `seed + k` (animating the line with that
        seed gives it again), all their windows sharing forward passes."""
        if not self.stochastic:
            raise ModelError(f"the model {self.name!r} ({self.config.model}) gives one answer per line: "
                             "variations need a model that samples, such as gldtalker")
        return self.predict_lines([clip] * count, [speaker] * count, progress, [seed + k for k in range(count)], steps)

    def animate_many(self, requests: Sequence[AnimationRequest], progress: Progress = no_progress) -> list[Animation]:
        started = time.perf_counter()
        predicted = self._predict([r.clip for r in requests], [r.speaker for r in requests], progress,
                                  [r.seed for r in requests])
        seconds = (time.perf_counter() - started) / max(len(requests), 1)
        return [self._with_landmarks(self._animation(request, motion, seconds), request, landmarks)
                for request, (motion, landmarks) in zip(requests, predicted)]

    def animate(self, request: AnimationRequest, progress: Progress = no_progress) -> Animation:
        return self.animate_many([request], progress)[0]

    # -- one line's result --
    def _animation(self, request: AnimationRequest, motion: np.ndarray, compute_seconds: float) -> Animation:
        frames = frame_count(request.clip.seconds, request.fps)
        motion = retimed(motion, self.config.fps, request.fps, frames)
        meta = {"model": self.name, "network": self.config.model, "version": __version__,
                "audio_seconds": request.clip.seconds, "compute_seconds": compute_seconds, "device": self.device,
                "speaker": request.speaker, "warnings": [], "phones": []}
        if clipped := clipping_warning(request.clip):
            meta["warnings"].append(clipped)
        if self.stochastic:  # what reproduces this sample exactly
            meta["seed"] = request.seed or 0
            meta["sampling_steps"] = self.config.settings.get("sampling_steps")
        if self.config.motion_space == "weights":
            return self._weights_animation(request, np.clip(motion, 0.0, 1.0).astype(np.float32), meta)
        return self._vertex_animation(request, motion, meta)

    def _with_landmarks(self, animation: Animation, request: AnimationRequest,
                        landmarks: np.ndarray | None) -> Animation:
        if landmarks is None:
            return animation
        frames = frame_count(request.clip.seconds, request.fps)
        flat = retimed(landmarks.reshape(len(landmarks), -1), self.config.fps, request.fps, frames)
        animation.landmark_tracks = flat.reshape(frames, -1, 3).astype(np.float32)
        animation.landmark_track_names = tuple(self.network.settings.landmark_names)
        return animation

    def _weights_animation(self, request: AnimationRequest, weights: np.ndarray, meta: dict) -> Animation:
        rest, offsets = rest_and_offsets(self.head, weights, request, self.name)
        return Animation(offsets=offsets, rest=rest, fps=request.fps,
                         landmark_index=dict(self.head.landmark_index), weights=weights, weight_names=ARKIT_NAMES,
                         meta=meta)

    def _vertex_animation(self, request: AnimationRequest, motion: np.ndarray, meta: dict) -> Animation:
        vertices = self.config.motion_dim // 3
        rest = request.mesh.vertices if request.mesh is not None else self._template_rest(vertices)
        if rest is None and request.mesh is None:  # a prepared character: its motion comes from the default head
            raise ModelError(f"the model {self.name!r} moves the vertices of a {self.config.template} mesh "
                             f"({vertices} vertices), not the default head's that a prepared character follows: "
                             "pick a model made for the default head, or a mesh with that topology")
        if len(rest) != vertices:
            raise ModelError(f"the model {self.name!r} moves the vertices of a {self.config.template} mesh "
                             f"({vertices} vertices): select a mesh with that topology, or prepare the character "
                             "(Prepare Character) so that the motion is carried over to it")
        offsets = motion.reshape(len(motion), vertices, 3).astype(np.float32)
        return Animation(offsets=offsets, rest=np.asarray(rest, dtype=np.float32), fps=request.fps,
                         landmark_index={}, meta=meta)

    def _template_rest(self, vertices: int) -> np.ndarray | None:
        """The rest mesh of the run's own template when it is the default head (the motion of a prepared
        character is made there, then carried over); None for other templates."""
        if self.config.template != "default-head":
            return None
        from ..template import load_default_head

        head = load_default_head()
        return head.mesh.vertices if head.mesh.vertex_count == vertices else None
