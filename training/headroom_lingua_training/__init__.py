"""Training of the keep/drop classifier scorer (LLMLingua-2 style)."""
