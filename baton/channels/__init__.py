"""Delivery: the message outbox and the channels that send what it holds."""
