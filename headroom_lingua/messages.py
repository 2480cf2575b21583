"""Deprecated import path: the messages front end lives in ``headroom_lingua.frontends.messages``
(``compress_messages``, ``MessagesConfig``, ``MessagesResult`` are also at the package's top)."""

from .frontends.messages import *  # noqa: F401,F403
from .frontends.messages import __all__  # noqa: F401
