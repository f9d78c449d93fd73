"""Deciding: the enquiry's state machine, its new record, timers, free times, limits. Pure."""
