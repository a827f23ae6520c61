"""`lipwright serve` with the test models registered: `python serve_with_test_models.py serve --port 0 ...`.

The models are registered at import, not under the main guard: the model worker processes are started
with 'spawn', which imports this script again (as __mp_main__) in each of them, so they know the models too.
"""

import sys

from tiny_models import register_test_models

from lipwright.cli.main import main

register_test_models()

if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
