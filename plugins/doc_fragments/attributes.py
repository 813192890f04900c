# -*- coding: utf-8 -*-
# Copyright: fleet.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Attributes shared by the read-only modules (*_info, image_search).
    INFO_MODULE = r"""
attributes:
  check_mode:
    support: full
    description: Read-only; runs the same in check mode and changes nothing.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
"""
