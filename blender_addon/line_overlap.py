"""Overlapping lines of one character cross-fade instead of adding up.

Each line is an ADD strip: two lines of one character that overlap in time (an interruption, a pickup
recorded over the end of a take) would both play at full strength and double the motion. Where lines
overlap, the line that starts later takes over: its influence ramps up from 0 to 1 over the overlap while
the earlier line's ramps down by as much, and a line that ends inside an earlier one hands the face back
the same way. Influences are keyed on the lines' NLA strips, frame by frame where they change.
"""

from dataclasses import dataclass

import numpy as np

CROSSFADE_MARK = "lipwright_crossfade"  # on a line's action while Lipwright animates its strip's influence
_LINEAR = 1  # Keyframe.interpolation enum value


@dataclass
class Span:
    start: float  # the NLA strip's frames, ease in and out included
    end: float
    ramp_in: float = 0.0   # frames over which the line takes over from earlier lines (0: none)
    ramp_out: float = 0.0  # frames over which it hands back to an earlier line that goes on


def presence(span: Span, frames: np.ndarray) -> np.ndarray:
    """How much of the face the line claims at each frame, 0..1, before later lines take over."""
    value = ((frames >= span.start) & (frames <= span.end)).astype(np.float64)
    if span.ramp_in > 0:
        value = np.minimum(value, np.clip((frames - span.start) / span.ramp_in, 0.0, 1.0))
    if span.ramp_out > 0:
        value = np.minimum(value, np.clip((span.end - frames) / span.ramp_out, 0.0, 1.0))
    return value


def plan_spans(ranges: list) -> list:
    """Spans (with ramps) for lines playing over `ranges` [(start, end)], in the same order."""
    order = sorted(range(len(ranges)), key=lambda i: (ranges[i][0], ranges[i][1]))
    spans = [Span(float(start), float(end)) for start, end in ranges]
    for rank, index in enumerate(order):
        span = spans[index]
        half = (span.end - span.start) / 2
        earlier = [spans[i] for i in order[:rank] if spans[i].end > span.start]
        if earlier:
            span.ramp_in = min(half, max(min(other.end, span.end) - span.start for other in earlier))
            if any(other.end > span.end for other in earlier):
                span.ramp_out = min(half, span.ramp_in)
    return spans


def influences(spans: list, frames: np.ndarray) -> list:
    """Each line's influence at `frames`: its presence, less what the lines that start after it claim."""
    order = sorted(range(len(spans)), key=lambda i: (spans[i].start, spans[i].end))
    claimed = {i: presence(spans[i], frames) for i in order}
    result = [None] * len(spans)
    for rank, index in enumerate(order):
        weight = claimed[index].copy()
        for later in order[rank + 1:]:
            weight *= 1.0 - claimed[later]
        result[index] = weight
    return result


def crossfade_lines(obj) -> int:
    """Key the influence of the object's overlapping lines (see the module docstring) and give the others
    back their full influence. Returns how many lines cross-fade."""
    from .bake import lipwright_tracks  # late: bake calls this module after each bake

    strips = [track.strips[0] for track in lipwright_tracks(obj).values()
              if len(track.strips) and track.strips[0].action is not None]
    spans = plan_spans([(strip.frame_start, strip.frame_end) for strip in strips])
    fading = 0
    for strip, span, index in zip(strips, spans, range(len(strips))):
        frames = np.arange(np.floor(span.start), np.ceil(span.end) + 1, dtype=np.float64)
        weight = influences(spans, frames)[index]
        inside = (frames >= span.start) & (frames <= span.end)
        if np.all(weight[inside] > 1.0 - 1e-6):
            _full_influence(strip)
            continue
        _key_influence(strip, frames, weight)
        fading += 1
    return fading


def _full_influence(strip) -> None:
    if strip.action.get(CROSSFADE_MARK):  # only undo what Lipwright set: the animator's own influence stays
        strip.use_animated_influence = False
        strip.influence = 1.0
        del strip.action[CROSSFADE_MARK]


def _key_influence(strip, frames, weight) -> None:
    strip.use_animated_influence = True
    curve = strip.fcurves.find("influence")
    curve.keyframe_points.clear()
    curve.keyframe_points.add(len(frames))
    curve.keyframe_points.foreach_set("co", np.column_stack((frames, weight)).astype(np.float32).ravel())
    curve.keyframe_points.foreach_set("interpolation", np.full(len(frames), _LINEAR, dtype=np.int32))
    curve.update()
    strip.action[CROSSFADE_MARK] = True
