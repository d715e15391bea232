# Two commands a fresh machine needs (see README):
#   make demo   — run the main job on the bundled Jilin 2023 data
#   make test   — run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test venv clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/minshi-geo demo --out out

# -n auto: one worker per core (pytest-xdist); loadgroup keeps the tests of one
# @pytest.mark.xdist_group (those sharing an expensive module fixture) on one worker.
test: $(STAMP)
	$(VENV)/bin/python -m pytest -n auto --dist loadgroup

clean:
	rm -rf out maps/*.html maps/png minshi.db
