"""Attendance: the personal join link, check-in by organizers, webinar report imports.

Data model (what reports aggregate):

* One ``Attendance`` row per registration, at most; no row means nothing was recorded
  (a report counts a confirmed registration without a row after the event as a no-show).
  ``attended`` is True (attended) or False (no-show, or too short in a webinar report).
  ``minutes`` comes from
  imported webinar reports; ``first_seen_at``/``last_seen_at`` are the earliest and latest
  evidence of presence (join-link use inside the window, join and leave times in a report).
* ``source`` says which source decided ``attended``. Sources have a rank: an organizer's
  check-in beats an imported report, which beats the join link; a lower-ranked source never
  overrides a higher-ranked one (minutes and seen times are still merged).
* Walk-ins (people who attended without registering) are ``Registration`` rows with
  ``source = "walk_in"``, status confirmed and region "not stated" unless known, so a report
  groups them like everyone else and can tell them apart by ``Registration.source``.
"""
