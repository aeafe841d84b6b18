"""Certificates of attendance (Teilnahmebescheinigungen): a PDF for each person marked as
attended at an event with certificates switched on, a verification code, a public page
that checks it, and all of an event's certificates as one ZIP for its organizers."""
