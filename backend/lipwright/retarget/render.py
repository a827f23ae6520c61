"""Renders a mesh from the front with a small numpy z-buffer, and casts picture points back onto its surface.

Frame: the canonical one of the default head (Z up, the face looks toward -Y, the character's left is +X).
The camera is orthographic and looks along +Y, so the character's left shows on the picture's right."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..geometry.mesh import MeshData

# Candidate pixels handled at once; bounds the rasteriser's memory whatever the mesh.
_CHUNK_PIXELS = 2_000_000
# A point on the outer face whose pixel sees a surface _GAP (a share of the head's width) behind the nearest
# one within _RIM_REACH looks through a gap: on the default head (19 cm wide) the slit between shut lips shows
# the mouth's back 8 cm deeper, an empty eye socket the skull 3 cm deeper; the lips stand up to about 1 cm
# ahead of their corners in a slightly turned view.
_RIM_REACH = 0.02
_GAP = 0.1
_SKIN = np.array([0.87, 0.69, 0.58])
_BACKGROUND = np.array([0.25, 0.3, 0.35])
# Light from the viewer, a little above and to the side, as a portrait would be lit.
_LIGHT = np.array([-0.3, -1.0, 0.45]) / np.linalg.norm([-0.3, -1.0, 0.45])


def triangulate(mesh: MeshData) -> np.ndarray:
    """Each polygon split into a fan of triangles: (T, 3) int64 vertex indices."""
    sizes = np.asarray(mesh.face_sizes, dtype=np.int64)
    loops = np.asarray(mesh.faces_flat, dtype=np.int64)
    starts = np.cumsum(sizes) - sizes
    fan_count = np.maximum(sizes - 2, 0)
    first = np.repeat(starts, fan_count)
    step = np.arange(fan_count.sum()) - np.repeat(np.cumsum(fan_count) - fan_count, fan_count)
    return np.stack([loops[first], loops[first + step + 1], loops[first + step + 2]], axis=1)


@dataclass(frozen=True)
class FrontRender:
    """A front view. image: (H, W, 3) float in [0, 1]; depth: (H, W) Y of the nearest surface (inf where
    nothing); triangle: (H, W) index into `triangles` hit by each pixel's centre (-1 where nothing);
    barycentric: (H, W, 3). Pixel (column c, row r) has its centre at X = left + (c + 0.5) * pixel_size,
    Z = top - (r + 0.5) * pixel_size."""

    image: np.ndarray
    depth: np.ndarray
    triangle: np.ndarray
    barycentric: np.ndarray
    vertices: np.ndarray
    triangles: np.ndarray
    left: float
    top: float
    pixel_size: float

    def to_picture(self, xz: np.ndarray) -> np.ndarray:
        """World (X, Z) -> picture (column, row) in pixels, as floats: (N, 2)."""
        xz = np.atleast_2d(np.asarray(xz, dtype=np.float64))
        return np.stack([(xz[:, 0] - self.left) / self.pixel_size, (self.top - xz[:, 1]) / self.pixel_size], axis=1)

    def to_world(self, picture: np.ndarray) -> np.ndarray:
        """Picture (column, row) in pixels -> world (X, Z): (N, 2)."""
        picture = np.atleast_2d(np.asarray(picture, dtype=np.float64))
        return np.stack([self.left + picture[:, 0] * self.pixel_size, self.top - picture[:, 1] * self.pixel_size],
                        axis=1)

    def cast(self, picture: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Picture points (N, 2) (column, row) -> the surface under each: points (N, 3), triangle (N,),
        barycentric (N, 3), hit (N,) bool. The triangle comes from the nearest covered pixel; the point is the
        exact ray hit on that triangle's plane, so it is finer than a pixel."""
        picture = np.atleast_2d(np.asarray(picture, dtype=np.float64))
        height, width = self.triangle.shape
        column = np.clip(np.floor(picture[:, 0]).astype(np.int64), 0, width - 1)
        row = np.clip(np.floor(picture[:, 1]).astype(np.int64), 0, height - 1)
        triangle = self.triangle[row, column].copy()
        for index in np.flatnonzero(triangle < 0):  # just off the silhouette: the nearest covered pixel
            triangle[index] = self._nearest_covered(row[index], column[index])
        hit = triangle >= 0
        points = np.full((len(picture), 3), np.nan)
        barycentric = np.full((len(picture), 3), np.nan)
        if hit.any():
            xz = self.to_world(picture[hit])
            triangle[hit] = self._containing(triangle[hit], row[hit], column[hit], xz)
            corners = self.vertices[self.triangles[triangle[hit]]]
            weights = _barycentric_2d(corners[:, :, [0, 2]], xz)
            # Just past an edge, stay on the triangle the pixel saw.
            weights = np.clip(weights, 0.0, None)
            weights /= weights.sum(axis=1, keepdims=True)
            barycentric[hit] = weights
            points[hit] = np.einsum("nk,nkd->nd", weights, corners)
        return points, triangle, barycentric, hit

    def cast_on_outer_face(self, picture: np.ndarray, head_width: float
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Like cast, for points that lie on the outer face (landmarks): a point in a gap (the slit between
        shut lips, an eye socket with no eyeball), or just beside one, can land on the surface seen through
        it, the mouth's or skull's inside. Where the cast lies more than _GAP behind the nearest surface within
        _RIM_REACH around the point (shares of `head_width`), the point moves to the closest pixel of that
        nearer surface, the gap's rim, and is cast there."""
        picture = np.array(np.atleast_2d(picture), dtype=np.float64)
        points, triangle, barycentric, hit = self.cast(picture)
        height, width = self.depth.shape
        reach, gap = _RIM_REACH * head_width, _GAP * head_width
        pixels = max(int(np.ceil(reach / self.pixel_size)), 1)
        moved = []
        for number in np.flatnonzero(hit):
            column, row = (int(np.clip(np.floor(value), 0, size - 1))
                           for value, size in zip(picture[number], (width, height)))
            top, left = max(row - pixels, 0), max(column - pixels, 0)
            window = self.depth[top:row + pixels + 1, left:column + pixels + 1]
            if points[number, 1] <= window.min() + gap:
                continue
            rows, columns = np.nonzero(window <= window.min() + gap)
            rows, columns = rows + top, columns + left
            nearest = np.argmin((columns + 0.5 - picture[number, 0]) ** 2 + (rows + 0.5 - picture[number, 1]) ** 2)
            # That pixel's centre: its own triangle holds it, and is the nearest surface of those that do.
            picture[number] = (columns[nearest] + 0.5, rows[nearest] + 0.5)
            moved.append(number)
        if moved:
            points[moved], triangle[moved], barycentric[moved], hit[moved] = self.cast(picture[moved])
        return points, triangle, barycentric, hit

    def _containing(self, seen: np.ndarray, row: np.ndarray, column: np.ndarray, xz: np.ndarray) -> np.ndarray:
        """A point between pixel centres may lie on a neighbour's triangle: of the triangles the 3 x 3 pixels
        around it see, the one it lies deepest inside (the pixel's own where none holds it)."""
        height, width = self.triangle.shape
        offsets = np.array([(0, 0)] + [(dr, dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1) if (dr, dc) != (0, 0)])
        rows = np.clip(row[:, None] + offsets[:, 0], 0, height - 1)
        columns = np.clip(column[:, None] + offsets[:, 1], 0, width - 1)
        candidates = self.triangle[rows, columns]
        candidates[:, 0] = seen
        valid = candidates >= 0
        corners = self.vertices[self.triangles[np.maximum(candidates, 0)]][..., [0, 2]]
        weights = _barycentric_2d(corners.reshape(-1, 3, 2), np.repeat(xz, offsets.shape[0], axis=0))
        inside = np.nan_to_num(weights.min(axis=1), nan=-np.inf).reshape(candidates.shape)
        inside = np.where(valid, inside, -np.inf)
        # Ties (a point inside several triangles seen around it) go to the nearest surface.
        depth = np.where(valid & (inside >= -1e-9), self.depth[rows, columns], np.inf)
        holds = np.isfinite(depth).any(axis=1)
        best = np.where(holds, np.argmin(depth, axis=1), 0)
        return candidates[np.arange(len(seen)), best]

    def _nearest_covered(self, row: int, column: int, reach: int = 3) -> int:
        window = self.triangle[max(row - reach, 0):row + reach + 1, max(column - reach, 0):column + reach + 1]
        rows, columns = np.nonzero(window >= 0)
        if len(rows) == 0:
            return -1
        nearest = np.argmin((rows + max(row - reach, 0) - row) ** 2 + (columns + max(column - reach, 0) - column) ** 2)
        return int(window[rows[nearest], columns[nearest]])


def render_front(vertices: np.ndarray, triangles: np.ndarray, size: int = 320,
                 window: tuple[float, float, float, float] | None = None) -> FrontRender:
    """Renders `triangles` of `vertices` (canonical frame) seen from -Y, `size` pixels on the longer side.
    window: (left X, right X, bottom Z, top Z) to frame; default: the whole mesh with a small margin."""
    vertices = np.asarray(vertices, dtype=np.float64)
    triangles = np.asarray(triangles, dtype=np.int64)
    if window is None:
        low, high = vertices[:, [0, 2]].min(axis=0), vertices[:, [0, 2]].max(axis=0)
        margin = 0.06 * max(high - low)
        window = (low[0] - margin, high[0] + margin, low[1] - margin, high[1] + margin)
    left, right, bottom, top = window
    pixel_size = max(right - left, top - bottom) / size
    width = max(int(np.ceil((right - left) / pixel_size)), 1)
    height = max(int(np.ceil((top - bottom) / pixel_size)), 1)

    depth = np.full(height * width, np.inf)
    triangle = np.full(height * width, -1, dtype=np.int64)
    barycentric = np.zeros((height * width, 3))
    # Picture coordinates of every vertex, in pixels (centres at half-integers).
    picture = np.stack([(vertices[:, 0] - left) / pixel_size, (top - vertices[:, 2]) / pixel_size], axis=1)
    corners = picture[triangles]
    low = np.clip(np.floor(corners.min(axis=1) - 0.5).astype(np.int64) + 1, 0, [width, height])
    high = np.clip(np.floor(corners.max(axis=1) - 0.5).astype(np.int64) + 1, 0, [width, height])
    span = np.maximum(high - low, 0)
    area = span[:, 0] * span[:, 1]
    candidates = np.flatnonzero(area > 0)
    # Chunks of triangles whose pixel boxes add up to about _CHUNK_PIXELS.
    cumulative = np.cumsum(area[candidates])
    start = 0
    while start < len(candidates):
        done = cumulative[start - 1] if start else 0
        end = max(int(np.searchsorted(cumulative, done + _CHUNK_PIXELS, side="right")), start + 1)
        _rasterise_chunk(candidates[start:end], corners, vertices[:, 1][triangles], low, span, area, width, depth,
                         triangle, barycentric)
        start = end

    depth = depth.reshape(height, width)
    triangle = triangle.reshape(height, width)
    barycentric = barycentric.reshape(height, width, 3)
    image = _shade(vertices, triangles, triangle, barycentric)
    return FrontRender(image=image, depth=depth, triangle=triangle, barycentric=barycentric, vertices=vertices,
                       triangles=triangles, left=left, top=top, pixel_size=pixel_size)


def _rasterise_chunk(chunk: np.ndarray, corners: np.ndarray, corner_depth: np.ndarray, low: np.ndarray,
                     span: np.ndarray, area: np.ndarray, width: int, depth: np.ndarray, triangle: np.ndarray,
                     barycentric: np.ndarray) -> None:
    counts = area[chunk]
    owner = np.repeat(chunk, counts)
    local = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    columns = low[owner, 0] + local % span[owner, 0]
    rows = low[owner, 1] + local // span[owner, 0]
    centres = np.stack([columns + 0.5, rows + 0.5], axis=1)
    weights = _barycentric_2d(corners[owner], centres)
    inside = np.all(weights >= -1e-9, axis=1) & np.isfinite(weights).all(axis=1)
    owner, columns, rows, weights = owner[inside], columns[inside], rows[inside], weights[inside]
    hit_depth = np.einsum("nk,nk->n", weights, corner_depth[owner])
    pixel = rows * width + columns
    # Nearest first within each pixel, then keep the first of each pixel if it beats what is there.
    order = np.lexsort((hit_depth, pixel))
    pixel, hit_depth, owner, weights = pixel[order], hit_depth[order], owner[order], weights[order]
    first = np.ones(len(pixel), dtype=bool)
    first[1:] = pixel[1:] != pixel[:-1]
    pixel, hit_depth, owner, weights = pixel[first], hit_depth[first], owner[first], weights[first]
    nearer = hit_depth < depth[pixel]
    pixel = pixel[nearer]
    depth[pixel] = hit_depth[nearer]
    triangle[pixel] = owner[nearer]
    barycentric[pixel] = weights[nearer]


def _barycentric_2d(corners: np.ndarray, points: np.ndarray) -> np.ndarray:
    """corners: (N, 3, 2), points: (N, 2) -> (N, 3) weights (nan for a triangle seen edge-on)."""
    a, b, c = corners[:, 0], corners[:, 1], corners[:, 2]
    v0, v1, v2 = b - a, c - a, points - a
    denominator = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        second = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / denominator
        third = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / denominator
        return np.stack([1.0 - second - third, second, third], axis=1)


def _shade(vertices: np.ndarray, triangles: np.ndarray, triangle: np.ndarray, barycentric: np.ndarray) -> np.ndarray:
    """Skin-toned Lambert shading with smooth (vertex) normals turned toward the camera."""
    corners = vertices[triangles]
    face_normals = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    # Each face's normal turned toward the viewer, so a mesh's winding does not matter.
    face_normals *= np.where(face_normals[:, 1:2] > 0, -1.0, 1.0)
    vertex_normals = np.zeros_like(vertices)
    for corner in range(3):
        np.add.at(vertex_normals, triangles[:, corner], face_normals)
    vertex_normals /= np.maximum(np.linalg.norm(vertex_normals, axis=1, keepdims=True), 1e-12)
    covered = triangle >= 0
    normals = np.einsum("pk,pkd->pd", barycentric[covered], vertex_normals[triangles[triangle[covered]]])
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    light = 0.25 + 0.75 * np.clip(normals @ _LIGHT, 0.0, 1.0)
    image = np.broadcast_to(_BACKGROUND, triangle.shape + (3,)).copy()
    image[covered] = light[:, None] * _SKIN
    return image
