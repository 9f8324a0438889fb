"""Destinations: events, segment changes and traits sent out to other systems; ad audiences; CRM sync."""
