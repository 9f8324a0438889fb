"""Broadcasts: one message to an audience, now, at a time or at each person's local time."""
