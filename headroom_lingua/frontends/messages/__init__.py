"""Chat-message compression: ``compress.py`` has the call, ``parse.py`` validates and counts the
list, ``fit.py`` fits the text parts to the budget (stable account or global), ``config.py``
holds the settings and result types."""

from .compress import compress_messages
from .config import ROLES, MessagesConfig, MessagesResult, MessageStat
from .parse import parse_messages

__all__ = ["compress_messages", "parse_messages", "MessagesConfig", "MessagesResult", "MessageStat", "ROLES"]
