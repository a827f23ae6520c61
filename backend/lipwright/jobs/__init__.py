"""A worker queue that runs animation jobs with progress and cooperative cancel."""
