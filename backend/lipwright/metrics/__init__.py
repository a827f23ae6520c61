"""The field's measures of predicted facial motion (LVE, FDD, diversity) and lip-sync measures
against known phone timings."""
