"""Web personalization: placements and the content each visitor is shown."""
