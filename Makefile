# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Both first build the environments: .venv (backend + bpy 4.5 for tests), .venv-bpy5 (bpy 5.0) and
# .venv-bpy42 (bpy 4.2 LTS, the oldest Blender the extension supports).
PYTHON ?= python3.11
VENV := .venv
VENV5 := .venv-bpy5
VENV42 := .venv-bpy42

.PHONY: setup demo test test-backend test-blender5 bench addon clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install.sh
	bash scripts/install.sh $(PYTHON) $(VENV) $(VENV5) $(VENV42)
	touch $@

demo: setup
	$(VENV)/bin/lipwright demo -o out/demo

# The whole suite on bpy 4.5, then the Blender-side tests again on bpy 5.0 and on 4.2 (whose PyPI
# wheel has no audio, so the tests that need sound strips are left out there, by name).
test: setup
	bash scripts/install_foreign_voices.sh
	$(VENV)/bin/python -m pytest -q
	LIPWRIGHT_BACKEND_PYTHON=$(abspath $(VENV))/bin/python $(VENV5)/bin/python -m pytest -q tests/blender
	LIPWRIGHT_BACKEND_PYTHON=$(abspath $(VENV))/bin/python $(VENV42)/bin/python -m pytest -q tests/blender -m "not sound_strips"

bench: setup
	$(VENV)/bin/python benchmarks/bench_animate.py
	$(VENV)/bin/python benchmarks/bench_bake.py

addon:
	python3 build_addon.py

clean:
	rm -rf $(VENV) $(VENV5) $(VENV42) dist out
