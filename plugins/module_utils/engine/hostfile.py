# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files written on the managed host: one atomic write for fetched files, saved images and the docker config."""

from __future__ import annotations

import os
import tempfile
from typing import IO, Callable, Optional


def write_atomically(path: str, fill: Callable[[IO], None], mode: Optional[int] = None, prefix: Optional[str] = None,
                     text: bool = False) -> None:
    """Write ``path`` through ``fill(handle)`` beside it, then rename, so a reader never sees half a file.

    The temporary file is created 0600 (mkstemp), so a secret is never readable on the way; ``mode`` is
    applied before the rename. On any failure the temporary file is removed and the target left as it was.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=prefix or '.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'w' if text else 'wb') as handle:
            fill(handle)
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
