# Two commands on a fresh machine: `make demo` (the main job) and `make test`.
# Both first build the environments: .venv (backend + bpy 4.5 for tests) and .venv-bpy5 (bpy 5.0 only).
PYTHON ?= python3.11
VENV := .venv
VENV5 := .venv-bpy5

.PHONY: setup demo test test-backend test-blender5 bench addon clean

setup: $(VENV)/.installed $(VENV5)/.installed

$(VENV)/.installed: pyproject.toml scripts/install.sh
	bash scripts/install.sh $(PYTHON) $(VENV) $(VENV5)
	touch $@

$(VENV5)/.installed: $(VENV)/.installed
	touch $@

demo: setup
	$(VENV)/bin/lipwright demo -o out/demo

# The whole suite on bpy 4.5, then the Blender-side tests again on bpy 5.0.
test: setup
	$(VENV)/bin/python -m pytest -q
	LIPWRIGHT_BACKEND_PYTHON=$(abspath $(VENV))/bin/python $(VENV5)/bin/python -m pytest -q tests/blender

bench: setup
	$(VENV)/bin/python benchmarks/bench_animate.py
	$(VENV)/bin/python benchmarks/bench_bake.py

addon:
	python3 build_addon.py

clean:
	rm -rf $(VENV) $(VENV5) dist out
