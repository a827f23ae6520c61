"""The README's main job: a spoken line animated, baked and drawn."""
