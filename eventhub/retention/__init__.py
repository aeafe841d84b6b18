"""Retention: an event's personal data is deleted when its purpose is over (DSGVO
Art. 5(1)(e)), by the scheduler or earlier by its organizers; the statistics stay."""
