"""Configuration, time, identifiers, errors and logging shared by every Baton package."""
