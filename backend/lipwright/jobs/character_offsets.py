"""A prepared character's motion: the model's offsets on the default head carried over to the character through
its correspondence, a block of frames at a time while the result is written, with the weights of the units that
move its separate teeth, tongue and eyes (which follow the face's ARKit keys, not its vertices)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import MeshError
from ..geometry.mesh import MeshData
from ..models.base import Animation
from ..models.offset_frames import FrameBlocks


def read_correspondence(data: bytes, mesh: MeshData):
    """A prepared character's correspondence (retarget.correspondence.Correspondence), checked against its
    mesh; MeshError naming the fix."""
    try:  # the fitting libraries load only for prepared characters
        from ..retarget.correspondence import load_correspondence
    except ImportError as error:
        raise MeshError(f"animating a prepared character needs the module '{error.name or error}', which the "
                        "backend's Python lacks: reinstall the Lipwright extension built for this platform, or set "
                        "the add-on's Python to an environment with the backend's dependencies") from None
    correspondence = load_correspondence(data)
    if correspondence.vertex_count != mesh.vertex_count:
        raise MeshError(f"The character's stored fit is for {correspondence.vertex_count:,} vertices, but its mesh "
                        f"has {mesh.vertex_count:,} now: prepare the character again (Prepare Character > Fit).")
    return correspondence


def carried_to_character(animation: Animation, correspondence, mesh: MeshData | None) -> Animation:
    """The animation on the character (its rest the character's Basis) when a correspondence came with its
    mesh; the animation as it is otherwise, or when it has no offsets (weights only)."""
    if correspondence is None or animation.offsets is None:
        return animation
    carried = CarriedOffsets(animation.offsets, correspondence)  # checks the offsets move the default head
    parts = part_weights_of(animation)
    return replace(animation, offsets=carried, rest=np.asarray(mesh.vertices, dtype=np.float32), landmark_index={},
                   part_weights=parts.weights, part_weight_names=parts.names)


def part_weights_of(animation: Animation):
    """The weights of the units that move separate parts (retarget.part_weights.PartWeights): the model's own
    when it gives weights, else estimated from its offsets on the default head."""
    from ..retarget.part_weights import estimate_part_weights, model_part_weights
    from ..template import load_default_head

    head = load_default_head()
    if animation.weights is not None:
        own = model_part_weights(animation.weights, animation.weight_names, head)
        if own is not None:
            return own
    return estimate_part_weights(animation.offsets, head)


class CarriedOffsets(FrameBlocks):
    """A model's (frames, Vtemplate, 3) offsets on the default head -> (frames, Vchar, 3) on the character.
    `source` is an array or a FrameBlocks (models.offset_frames.OffsetFrames)."""

    def __init__(self, source, correspondence) -> None:
        if tuple(source.shape[1:]) != (correspondence.template_vertex_count, 3):
            raise MeshError(f"The model moves a mesh of {source.shape[1]} vertices, but this character was prepared "
                            f"against the default head ({correspondence.template_vertex_count} vertices): its motion "
                            "cannot be carried over. Use a model made for the default head, or its weights (ARKit "
                            "Keys mode).")
        self.source = source
        self.correspondence = correspondence
        self.shape = (len(source), correspondence.vertex_count, 3)

    def frames(self, start: int, stop: int) -> np.ndarray:
        from ..retarget.transfer import transfer_offsets

        block = self.source.frames(start, stop) if isinstance(self.source, FrameBlocks) else self.source[start:stop]
        return transfer_offsets(np.asarray(block, dtype=np.float32), self.correspondence)
