"""The main job end to end: speak a line, animate the default head, bake a .blend, draw a picture."""

import json
from pathlib import Path

import numpy as np

from .. import wire
from ..animate import animate_to_file
from ..audio.decode import load_audio
from ..blender_bridge.head_blend import write_head_blend
from ..blender_bridge.runner import run_in_blender
from ..files.atomic import replaced_on_success, write_text_atomically
from ..models.base import Progress, no_progress
from .figure import draw_demo_figure, mouth_opening
from .speech import synthesize

DEFAULT_LINE = "Bob made a map of the moon, and Pam brought some fresh waffles with vanilla."


def pick_preview_frames(phones: list, opening: np.ndarray, fps: float, count: int = 4) -> list[int]:
    """Frames worth looking at: rest before speech, the widest opening, a p/b/m closure, a rounded vowel."""
    picks = [0, int(np.argmax(opening))]
    for wanted in (("M", "P", "B"), ("UW", "OW", "W")):
        # The longest such phone after the first syllable: frame 0 already shows rest.
        candidates = [(end - start, start, end) for label, start, end in phones if label in wanted and start > 0.3]
        if candidates:
            _, start, end = max(candidates)
            picks.append(int(round((start + end) / 2 * fps)))
    unique = sorted({min(max(p, 0), len(opening) - 1) for p in picks})
    return unique[:count]


def run_demo(out_dir: Path, text: str = DEFAULT_LINE, engine: str = "espeak-ng", fps: float = 30.0,
             progress: Progress = no_progress) -> dict:
    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    progress(0.0, "speaking the line")
    wav = out_dir / "line.wav"
    with replaced_on_success(wav) as partial_wav:
        synthesize(text, partial_wav, engine=engine)

    def model_progress(fraction: float, message: str) -> None:
        progress(0.05 + 0.45 * fraction, message)

    result_npz = out_dir / "line.npz"
    animate_to_file(wav, result_npz, transcript=text, fps=fps, progress=model_progress)
    result = wire.decode_result(result_npz.read_bytes())

    progress(0.55, "building the scene in Blender")
    blend = out_dir / "demo.blend"
    head = write_head_blend(blend, fps=fps)
    object_name = head["object"]
    progress(0.65, "baking keyframes")
    with replaced_on_success(blend) as partial_blend:
        report = run_in_blender("headless", "bake_file", blend_in=str(blend), object_name=object_name,
                                audio_path=str(wav), result_npz=str(result_npz), blend_out=str(partial_blend),
                                strip_name="line", frame_start=1, mode="AUTO")
    report["blend"] = str(blend)

    progress(0.75, "rendering frames")
    opening_mm = 1000.0 * mouth_opening(result["rest"], result["offsets"], result["landmarks"])
    phones = result["meta"].get("phones", [])
    picks = pick_preview_frames(phones, opening_mm, fps)
    rendered = run_in_blender("preview_render", "render_frames", blend=str(blend), object_name=object_name,
                              frames=[1 + k for k in picks], out_dir=str(out_dir / "frames"), size=320)

    progress(0.95, "drawing the picture")
    clip = load_audio(wav)
    picture = draw_demo_figure(
        out_dir / "demo.png", clip.samples, clip.sample_rate, phones, opening_mm, fps,
        [(k, Path(p)) for k, p in zip(picks, rendered)], title=f'"{text}"  ({result["meta"]["phone_method"]} phones)',
    )
    summary = {"wav": str(wav), "npz": str(result_npz), "blend": str(blend), "picture": str(picture), "bake": report,
               "audio_seconds": result["meta"]["audio_seconds"], "compute_seconds": result["meta"]["compute_seconds"]}
    write_text_atomically(out_dir / "summary.json", json.dumps(summary, indent=2))
    progress(1.0, "done")
    return summary
