"""One router per resource: health, models, jobs, template."""
