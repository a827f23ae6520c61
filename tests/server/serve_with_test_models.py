"""`lipwright serve` with the test models registered: `python serve_with_test_models.py serve --port 0 ...`."""

import sys

from tiny_models import register_test_models

from lipwright.cli.main import main

if __name__ == "__main__":
    register_test_models()
    raise SystemExit(main(sys.argv[1:]))
