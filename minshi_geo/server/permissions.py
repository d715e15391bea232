"""Who may call which route: ONE table, checked on every request before the handler runs.

Every route of the app is named (its endpoint's ``name``) and must have a row in
:data:`RULES`; a route without one is refused (fail closed) and
``tests/test_server_authz.py`` fails. A rule lists the roles allowed and, for routes under
``/regions/{code}``, whether a region reporter is held to its own region.
"""

from __future__ import annotations

from dataclasses import dataclass

from minshi_geo.server.accounts import Role

ADMIN, PLANNER, REPORTER, VIEWER = Role.ADMIN, Role.PLANNER, Role.REPORTER, Role.VIEWER
PROVINCE = frozenset({ADMIN, PLANNER, VIEWER})
PLANNERS = frozenset({ADMIN, PLANNER})
EVERYONE = frozenset(Role)


@dataclass(frozen=True)
class Rule:
    roles: frozenset[Role]  # empty = public (no login needed)
    own_region: bool = False  # a reporter only for the {code} of its own region
    what: str = ""

    @property
    def public(self) -> bool:
        return not self.roles


PUBLIC = Rule(frozenset(), what="public")

RULES: dict[str, Rule] = {
    # session
    "login_page": PUBLIC,
    "login": PUBLIC,
    "static": PUBLIC,  # the vendored CSS/JS (no data)
    "lights_stylesheet": PUBLIC,  # the light palette as CSS (no data)
    "logout": Rule(EVERYONE, what="sign out"),
    "home": Rule(EVERYONE, what="start page by role"),
    # reporting (region offices; province roles may look at any region)
    "region_page": Rule(EVERYONE, own_region=True, what="a region's tasks and history"),
    "region_sheet": Rule(EVERYONE, own_region=True, what="download the task sheet"),
    "region_upload": Rule(frozenset({ADMIN, REPORTER}), own_region=True,
                          what="upload a filled sheet"),
    "region_form": Rule(frozenset({ADMIN, REPORTER}), own_region=True,
                        what="the web form of the sheet"),
    "region_form_submit": Rule(frozenset({ADMIN, REPORTER}), own_region=True,
                               what="submit the web form"),
    # dashboard (leaders)
    "dashboard": Rule(PROVINCE, what="lights, roll-ups, 推进缓慢"),
    "dashboard_map": Rule(PROVINCE, what="the progress map"),
    "bulletin": Rule(PROVINCE, what="通报 downloads"),
    "publications": Rule(PROVINCE, what="published allocations"),
    "publication_file": Rule(PROVINCE, what="a published allocation's files"),
    # scenario studio (province planners)
    "studio": Rule(PLANNERS, what="scenario studio"),
    "studio_run": Rule(PLANNERS, what="allocate an edited scenario"),
    "studio_map": Rule(PLANNERS, what="the map of a studio run"),
    "studio_save": Rule(PLANNERS, what="save as a new scenario"),
    "studio_workbook": Rule(PLANNERS, what="a scenario as a workbook"),
    "studio_publish": Rule(PLANNERS, what="publish allocation + task sheets"),
    # administration
    "admin_users": Rule(frozenset({ADMIN}), what="accounts"),
    "admin_user_create": Rule(frozenset({ADMIN}), what="create an account"),
    "admin_user_active": Rule(frozenset({ADMIN}), what="disable / enable an account"),
    "admin_audit": Rule(frozenset({ADMIN}), what="audit log"),
}


def allowed(rule: Rule, role: Role, region_code: str | None, path_region: str | None) -> bool:
    """Whether a signed-in user of ``role`` (bound to ``region_code``) passes ``rule``."""
    if rule.public:
        return True
    if role not in rule.roles:
        return False
    if rule.own_region and role == REPORTER:
        # A reporter reaches region routes of its own region only.
        return path_region is not None and path_region == region_code
    return True
