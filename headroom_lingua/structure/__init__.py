"""Structure-aware steps (placeholder)."""
