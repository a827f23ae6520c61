"""SpiralConv gathers each vertex's spiral in order, barycentric sampling is the pyramid's sparse
matrix, and the mesh coder maps offsets to features and back at every size."""

import numpy as np
import torch

from lipwright.geometry.mesh_pyramid import build_pyramid
from lipwright.geometry.spirals import spiral_indices
from lipwright.models.parts.spiral_conv import BarycentricSampling, SpiralConv, SpiralMeshCoder
from tests.geometry.hand_made_meshes import flat_grid


def test_a_spiral_conv_is_one_linear_map_of_the_spiral_gathered_in_order():
    vertices, faces = flat_grid(size=5)
    spirals = spiral_indices(vertices, faces, length=4)
    conv = SpiralConv(len(vertices), 4, in_channels=2, out_channels=3)
    conv.spirals.copy_(torch.as_tensor(spirals))
    x = torch.randn(2, len(vertices), 2)
    vertex = 12
    expected = conv.linear(x[:, spirals[vertex]].reshape(2, 8))
    torch.testing.assert_close(conv(x)[:, vertex], expected)


def test_barycentric_sampling_is_the_pyramids_sparse_matrix():
    vertices, faces = flat_grid(size=9)
    pyramid = build_pyramid(vertices, faces, factors=(4,))
    down = BarycentricSampling(len(pyramid.levels[1].vertices))
    down.indices.copy_(torch.as_tensor(pyramid.down[0].indices))
    down.weights.copy_(torch.as_tensor(pyramid.down[0].weights, dtype=torch.float32))
    values = np.random.default_rng(0).standard_normal((len(vertices), 3))
    expected = pyramid.down[0].matrix() @ values
    np.testing.assert_allclose(down(torch.as_tensor(values, dtype=torch.float32)[None])[0].numpy(), expected,
                               atol=1e-5)


def test_the_mesh_coder_fuses_every_level_and_decodes_back_to_offsets():
    vertices, faces = flat_grid(size=13)
    pyramid = build_pyramid(vertices, faces, factors=(4, 2))
    sizes = [len(level.vertices) for level in pyramid.levels]
    coder = SpiralMeshCoder(sizes, channels=[4, 4, 8], spiral_length=6, features=10)
    coder.set_geometry([spiral_indices(level.vertices, level.faces, 6) for level in pyramid.levels], pyramid)
    assert coder.fuse.in_features == sizes[-1] * (4 + 4 + 8)  # every level's features reach the fusion
    offsets = torch.randn(5, len(vertices), 3)
    features = coder.encode(offsets)
    assert features.shape == (5, 10) and coder.decode(features).shape == (5, len(vertices), 3)
    # A change at one fine vertex reaches the features through the finest level's spirals.
    moved = offsets.clone()
    moved[:, 84] += 1.0
    assert not torch.allclose(coder.encode(moved), features)
