"""Deprecated import path: the documents front end lives in ``headroom_lingua.frontends.documents``
(``compress_documents``, ``DocumentsConfig``, ``DocumentsResult`` are also at the package's top)."""

from .frontends.documents import *  # noqa: F401,F403
from .frontends.documents import __all__  # noqa: F401
