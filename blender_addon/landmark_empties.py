"""A character's face landmarks: stored on the object (saved with the .blend) and shown as small empties
parented to it, in a collection of their own, that the user can move before fitting.

Positions are in the character's object space (the space of its Basis shape key)."""

import json

import bpy
import numpy as np
from mathutils import Matrix

LANDMARKS_KEY = "lipwright_landmarks"          # JSON {name: [x, y, z]} on the object
METHOD_KEY = "lipwright_landmark_method"       # "detected", "geometric" or "moved"
WARNINGS_KEY = "lipwright_landmark_warnings"   # JSON [sentence, ...]
EMPTY_KEY = "lipwright_landmark"               # on each empty: the landmark it marks
# Each empty's size, as a share of the mouth's width: visible, yet small enough to place on a lip.
EMPTY_SIZE_SHARE = 0.06


def collection_name(obj) -> str:
    return f"Lipwright Landmarks ({obj.name})"


def empty_name(obj, landmark: str) -> str:
    return f"{obj.name} landmark {landmark}"


def character_of(obj):
    """The character an object stands for in the panel: itself, or for a landmark empty (the active object
    right after the user moved one) the character it marks."""
    if obj is not None and obj.type == "EMPTY" and EMPTY_KEY in obj and obj.parent is not None:
        return obj.parent
    return obj


def stored_landmarks(obj) -> dict[str, np.ndarray]:
    """The landmarks saved on the object (empty when it has none, or they are unreadable)."""
    try:
        points = json.loads(obj.get(LANDMARKS_KEY, "{}"))
        return {str(name): np.asarray(point, dtype=np.float64).reshape(3) for name, point in points.items()}
    except (ValueError, TypeError, AttributeError):
        return {}


def landmark_empties(obj) -> dict:
    """landmark name -> its empty, for the empties parented to `obj`."""
    return {child[EMPTY_KEY]: child for child in obj.children if child.type == "EMPTY" and EMPTY_KEY in child}


def current_landmarks(obj) -> dict[str, np.ndarray]:
    """Where the landmarks are now, in object space: the empties as the user left them, else the stored ones."""
    points = stored_landmarks(obj)
    empties = landmark_empties(obj)
    if empties:
        to_object = obj.matrix_world.inverted()
        for name, empty in empties.items():
            points[name] = np.array(to_object @ empty.matrix_world.translation, dtype=np.float64)
    return points


def store_landmarks(obj, points: dict, method: str, warnings=()) -> None:
    obj[LANDMARKS_KEY] = json.dumps({name: [float(v) for v in np.asarray(p).reshape(3)] for name, p in points.items()})
    obj[METHOD_KEY] = method
    obj[WARNINGS_KEY] = json.dumps(list(warnings))


def stored_warnings(obj) -> list[str]:
    try:
        return [str(line) for line in json.loads(obj.get(WARNINGS_KEY, "[]"))]
    except (ValueError, TypeError):
        return []


def show_landmarks(obj, points: dict, scene) -> list:
    """Place (or move) one empty per landmark, parented to `obj`, in the landmark collection linked to
    `scene`; returns the empties."""
    collection = bpy.data.collections.get(collection_name(obj))
    if collection is None:
        collection = bpy.data.collections.new(collection_name(obj))
    if collection.name not in scene.collection.children:
        scene.collection.children.link(collection)
    size = EMPTY_SIZE_SHARE * _mouth_width(points)
    existing = landmark_empties(obj)
    empties = []
    for name, point in points.items():
        empty = existing.get(name)
        if empty is None:
            empty = bpy.data.objects.new(empty_name(obj, name), None)
            empty[EMPTY_KEY] = name
            collection.objects.link(empty)
            empty.parent = obj
        empty.matrix_parent_inverse = Matrix.Identity(4)  # its location is then in the character's space
        empty.location = [float(v) for v in np.asarray(point).reshape(3)]
        empty.empty_display_type = "SPHERE"
        empty.empty_display_size = size
        empty.show_in_front = True
        empties.append(empty)
    return empties


def _mouth_width(points: dict) -> float:
    left, right = points.get("mouth_corner_left"), points.get("mouth_corner_right")
    if left is None or right is None:
        return 0.05
    return max(float(np.linalg.norm(np.asarray(left) - np.asarray(right))), 1e-4)
