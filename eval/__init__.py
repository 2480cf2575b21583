"""Evaluation harness: answer quality against compression ratio."""
