"""Question-aware compression of multi-document prompts (retrieved documents + a question).

``compress.py`` has the call, ``config.py`` its settings and result types, ``allocate.py`` the
pure functions that split a budget over ranked documents, ``result.py`` builds the result.
"""

from .compress import assemble, check_documents, compress_documents
from .config import FINE, ORDERS, DocumentsConfig, DocumentsResult, DocumentStat

__all__ = ["compress_documents", "assemble", "check_documents", "DocumentsConfig", "DocumentsResult",
           "DocumentStat", "ORDERS", "FINE"]
