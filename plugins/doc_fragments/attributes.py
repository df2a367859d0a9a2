# -*- coding: utf-8 -*-
# Copyright (c) 2026 cloudmesh.libcloud developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:

    # Modules that change things: check mode and diff mode both work.
    DOCUMENTATION = r'''
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  action_group:
    description: Use C(group/cloudmesh.libcloud.libcloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmesh.libcloud.libcloud
'''

    # Modules that only read.
    INFO = r'''
attributes:
  check_mode:
    description: This module only reads, so it runs the same in check mode.
    support: full
  diff_mode:
    description: This module only reads and returns no diff.
    support: N/A
  action_group:
    description: Use C(group/cloudmesh.libcloud.libcloud) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - cloudmesh.libcloud.libcloud
'''
