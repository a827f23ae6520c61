"""The demo's picture: waveform with phone labels, mouth opening under it, rendered frames below."""

from pathlib import Path

import numpy as np

from ..files.atomic import replaced_on_success


def mouth_opening(rest: np.ndarray, offsets: np.ndarray, landmarks: dict[str, int], up_axis: int = 2) -> np.ndarray:
    """How far the mid lips part beyond rest, along the up axis, in metres: (frames,).

    The MakeHuman lips touch at rest, so the rest gap is the zero; pressed lips go slightly below it."""
    upper, lower = landmarks["lip_upper_mid"], landmarks["lip_lower_mid"]
    gap = offsets[:, upper, up_axis] - offsets[:, lower, up_axis]
    return gap.astype(np.float64)


def draw_demo_figure(
    path: Path,
    samples: np.ndarray,
    sample_rate: int,
    phones: list[tuple[str, float, float]],
    opening_mm: np.ndarray,
    fps: float,
    frames: list[tuple[int, Path]],
    title: str,
) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # no display here, and none needed
    import matplotlib.pyplot as plt

    figure = plt.figure(figsize=(12, 7.5), dpi=110)
    grid = figure.add_gridspec(3, max(len(frames), 1), height_ratios=[1.1, 1.0, 1.8], hspace=0.45)
    wave = figure.add_subplot(grid[0, :])
    times = np.arange(len(samples)) / sample_rate
    wave.plot(times, samples, color="#555", linewidth=0.4)
    wave.set_xlim(0, times[-1])
    wave.set_ylabel("speech")
    wave.set_title(title, fontsize=11)
    for label, start, end in phones:
        if label == "SIL":
            continue
        bilabial = label in ("P", "B", "M")
        wave.axvspan(start, end, color="#d62728" if bilabial else "#1f77b4", alpha=0.18 if bilabial else 0.06)
        wave.text((start + end) / 2, 0.92, label.lower(), transform=wave.get_xaxis_transform(),
                  ha="center", fontsize=7, color="#d62728" if bilabial else "#1f4e79")
    mouth = figure.add_subplot(grid[1, :], sharex=wave)
    frame_times = np.arange(len(opening_mm)) / fps
    mouth.axhline(0.0, color="#888", linewidth=0.6)
    mouth.fill_between(frame_times, opening_mm, color="#2ca02c", alpha=0.35, step="mid")
    mouth.plot(frame_times, opening_mm, color="#2ca02c", linewidth=1.2, drawstyle="steps-mid")
    mouth.set_ylabel("lips part (mm)")
    mouth.set_xlabel(f"seconds   (red: p/b/m, where the lips must close; {fps:g} fps)")
    for frame, _ in frames:
        mouth.axvline(frame / fps, color="k", linestyle=":", linewidth=0.8)
    for column, (frame, image_path) in enumerate(frames):
        axis = figure.add_subplot(grid[2, column])
        axis.imshow(plt.imread(str(image_path)))
        axis.set_axis_off()
        axis.set_title(f"frame {frame} ({frame / fps:.2f} s)", fontsize=9)
    path = Path(path)
    with replaced_on_success(path) as partial:
        figure.savefig(partial, bbox_inches="tight")
    plt.close(figure)
    return path
