"""Calendar files: downloads, personal invitations and their updates (DESIGN.md §5)."""
