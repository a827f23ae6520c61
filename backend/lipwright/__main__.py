"""`python -m lipwright` is the `lipwright` command (the add-on starts the backend this way)."""

from .cli.main import main

raise SystemExit(main())
