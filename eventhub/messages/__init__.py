"""Organizers' messages to an event's participants, sent through the outbox."""
