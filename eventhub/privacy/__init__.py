"""A person's access to their data (DSGVO Art. 15): everything stored about them for one
registration, as a JSON file from their personal page."""
