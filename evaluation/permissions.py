"""Who may see and write a commune's evaluation: predicates registered with ``rules``.

The public evaluation page and published reports are open to all. The staff dashboard is for the
commune's staff (any role) and platform administrators; a report's commentary is written and the
report published by those who speak for the commune (mayor, secretary-general, communication
officer), in an enabled commune. Staff of another commune do neither."""

from __future__ import annotations

import rules

from hub.permissions import is_commune_staff, is_enabled_commune, is_platform_admin, is_profile_editor

rules.add_perm("evaluation.view_dashboard", is_platform_admin | is_commune_staff)
rules.add_perm("evaluation.manage_report", is_platform_admin | (is_enabled_commune & is_profile_editor))
