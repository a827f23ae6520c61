"""Runs the add-on's own Blender code in a separate Blender Python process (headless bake, .blend export)."""
