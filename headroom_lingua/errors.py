"""The library's exceptions: one small hierarchy, so callers can catch ``HeadroomLinguaError``."""

from __future__ import annotations


class HeadroomLinguaError(Exception):
    """Base class of every error raised on purpose by headroom-lingua."""


class BudgetError(HeadroomLinguaError, ValueError):
    """The requested budget cannot be met, e.g. protected text alone exceeds it."""


class InputError(HeadroomLinguaError, ValueError):
    """The input text or structure is malformed (lone surrogates, bad message lists, ...)."""


class ConfigError(HeadroomLinguaError, ValueError):
    """A configuration value is invalid; the message names the field and the allowed values."""


class ModelNotFoundError(HeadroomLinguaError, LookupError):
    """A model name is neither registered nor a local model folder, or its package is missing."""


class ProvisioningError(HeadroomLinguaError, RuntimeError):
    """Converting a packaged model into the local cache failed."""
