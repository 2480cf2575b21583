"""setuptools' PEP 517 backend, without its notice on every editable install.

The package has two roots (``headroom_lingua/`` at the top, ``headroom_lingua_eval/`` under
``eval/``), so setuptools installs it in editable mode through a meta path finder and says so
with an ``InformationOnly`` warning ("Please be careful with folders in your working directory
...") that pip prints on every ``pip install -e .``. The install is right; the notice is noise.
Everything else is setuptools' own backend, unchanged; other warnings still show.
"""

from __future__ import annotations

import warnings

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F401,F403  (the whole PEP 517 interface)
from setuptools.warnings import InformationOnly


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=InformationOnly, message="Editable installation")
        return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
