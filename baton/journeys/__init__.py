"""Journeys: durable, state-aware flows started by events, segments, schedules or the API."""
