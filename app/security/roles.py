"""Every role of the product and the FAB permissions it holds, declared in one place.

`flask sync-roles` writes this table into FAB's permission tables. Row-level limits (own unit,
assigned lines, windows) are not here: they live in app/domain/policy.py.
"""

ADMIN = "Admin"
ORGANISER = "Organiser"
UNIT_LEADER = "UnitLeader"
UNIT_STAFF = "UnitStaff"
SUPPORT_MEMBER = "SupportMember"
APPRAISER = "Appraiser"
TEAM_LEADER = "TeamLeader"
COUNCIL = "Council"
VIEWER = "Viewer"
PUBLIC = "Public"

ALL_ROLES = (
    ADMIN,
    ORGANISER,
    UNIT_LEADER,
    UNIT_STAFF,
    SUPPORT_MEMBER,
    APPRAISER,
    TEAM_LEADER,
    COUNCIL,
    VIEWER,
    PUBLIC,
)
# Roles whose work is on behalf of one unit: an account with one of them must have a unit.
UNIT_BOUND_ROLES = (UNIT_LEADER, UNIT_STAFF)

# FAB resources (class_permission_name of views and APIs) and the two permissions each has.
UNIT_TYPES = "UnitTypes"
UNITS = "Units"
FRAMEWORKS = "Frameworks"
CRITERIA = "Criteria"
GRADE_BANDS = "GradeBands"
ROUNDS = "Rounds"
TEAMS = "AppraisalTeams"
COUNCIL_MEMBERS = "CouncilMembers"
AUDIT = "AuditEvents"
SCORE_SHEETS = "ScoreSheets"
SCORE_LINES = "ScoreLines"
ASSESSMENTS = "Assessments"
EVIDENCE = "Evidence"
WINDOW_GRANTS = "WindowGrants"
# The appraisal (issue 4): assignments, the appraisal sheets (steps 2-4), the council's
# supplement requests (the units answer them), and the council's verification of a round.
ASSIGNMENTS = "Assignments"
APPRAISAL_SHEETS = "AppraisalSheets"
SUPPLEMENT_REQUESTS = "SupplementRequests"
VERIFICATION = "RoundVerification"
# The results (issue 5): the results list and each unit's result page, the organiser's
# publication screen (compute, publish, withdraw) and the survey import.
RESULTS = "UnitResults"
PUBLICATION = "ResultsPublication"
SURVEY_IMPORTS = "SurveyImports"
# The single sign-on mapping (app/views/sso.py): administrators only, so in no role below.
SSO_MAPPINGS = "SsoMappings"
READ = "can_read"
WRITE = "can_write"

# FAB method names collapsed to read / write, as Superset and Airflow do.
METHOD_PERMISSIONS = {
    "list": "read",
    "show": "read",
    "get": "read",
    "get_list": "read",
    "info": "read",
    "download": "read",
    "api_read": "read",
    "api_get": "read",
    "tree": "read",
    "export": "read",
    "add": "write",
    "edit": "write",
    "delete": "write",
    "put": "write",
    "post": "write",
    "action": "write",
    "action_post": "write",
    "api_create": "write",
    "api_update": "write",
    "api_delete": "write",
    "import_excel": "write",
    # actions (FAB names an action's permission after its function)
    "muldelete": "write",
    "freeze": "write",
    "copy_to_year": "write",
    "open_round": "write",
    "lock_phase": "write",
    "unlock_phase": "write",
    # self-assessment (score sheet page, evidence, submit)
    "sheet": "read",
    "report_pdf": "read",
    "minutes_pdf": "read",
    "export_xlsx": "read",
    "history": "read",
    "download_evidence": "read",
    "autosave": "write",
    "save_line": "write",
    "upload_evidence": "write",
    "delete_evidence": "write",
    "submit": "write",
    "withdraw": "write",
    "assign": "write",
    "import_xlsx": "write",
    # appraisal (app/domain/assignment.py, appraisal.py, supplement.py, verification.py)
    "coverage": "read",
    "assign_form": "read",
    "timeline": "read",
    "preview_assignment": "write",
    "unassign": "write",
    "support_score": "write",
    "appraise": "write",
    "approve": "write",
    "approve_field": "write",
    "approve_unit": "write",
    "return_line": "write",
    "request_supplement": "write",
    "respond": "write",
    "verify": "write",
    "finalise": "write",
    "reopen": "write",
    # results (app/domain/results.py, publication.py, survey_import.py)
    "result_page": "read",
    "survey_template": "read",
    "upload": "write",
    "recompute": "write",
    "compute": "write",
    "publish": "write",
    "unpublish": "write",
}

_CONFIG_READ = [(r, READ) for r in (UNITS, FRAMEWORKS, CRITERIA, GRADE_BANDS, ROUNDS)]
_SELF_ASSESSMENT = [
    (r, p) for r in (SCORE_SHEETS, SCORE_LINES, ASSESSMENTS, EVIDENCE) for p in (READ, WRITE)
]
_SEE_ASSESSMENTS = [(r, READ) for r in (SCORE_SHEETS, SCORE_LINES, ASSESSMENTS, EVIDENCE)]
# The role opens the appraisal screens; who may act on which row is the round's membership.
_SEE_APPRAISAL = [(r, READ) for r in (ASSIGNMENTS, APPRAISAL_SHEETS, SUPPLEMENT_REQUESTS)]
_APPRAISE = _SEE_APPRAISAL + [(APPRAISAL_SHEETS, WRITE)]
_ANSWER_REQUESTS = [(SUPPLEMENT_REQUESTS, READ), (SUPPLEMENT_REQUESTS, WRITE)]
_VERIFY = [(VERIFICATION, READ), (VERIFICATION, WRITE)]
_LEAD_TEAM = _APPRAISE + [(ASSIGNMENTS, WRITE)]
# Writing the appraisal results list opens its actions (app/views/appraisal_lines.py): the
# council requests supplements there, the organiser locks the round; the domain refuses the rest.
_ACT_ON_RESULTS = [(APPRAISAL_SHEETS, WRITE)]
_SEE_RESULTS = [(RESULTS, READ)]
_RUN_RESULTS = [(r, p) for r in (RESULTS, PUBLICATION, SURVEY_IMPORTS) for p in (READ, WRITE)]
_COUNCIL_WORK = (
    [(COUNCIL_MEMBERS, READ), (SUPPLEMENT_REQUESTS, WRITE)]
    + _SEE_APPRAISAL
    + _VERIFY
    + _ACT_ON_RESULTS
)

ROLE_PERMISSIONS = {
    ORGANISER: [
        (resource, perm)
        for resource in (
            UNIT_TYPES,
            UNITS,
            FRAMEWORKS,
            CRITERIA,
            GRADE_BANDS,
            ROUNDS,
            TEAMS,
            COUNCIL_MEMBERS,
        )
        for perm in (READ, WRITE)
    ]
    + [(AUDIT, READ), (WINDOW_GRANTS, READ), (WINDOW_GRANTS, WRITE)]
    + _SEE_ASSESSMENTS
    + _SEE_APPRAISAL
    + _VERIFY
    + _ACT_ON_RESULTS
    + _RUN_RESULTS,
    UNIT_LEADER: _CONFIG_READ + _SELF_ASSESSMENT + _ANSWER_REQUESTS + _SEE_RESULTS,
    UNIT_STAFF: _CONFIG_READ + _SELF_ASSESSMENT + _ANSWER_REQUESTS + _SEE_RESULTS,
    SUPPORT_MEMBER: _CONFIG_READ + [(TEAMS, READ)] + _SEE_ASSESSMENTS + _APPRAISE,
    APPRAISER: _CONFIG_READ + [(TEAMS, READ)] + _SEE_ASSESSMENTS + _APPRAISE,
    TEAM_LEADER: _CONFIG_READ + [(TEAMS, READ)] + _SEE_ASSESSMENTS + _LEAD_TEAM,
    COUNCIL: _CONFIG_READ + [(TEAMS, READ)] + _SEE_ASSESSMENTS + _COUNCIL_WORK + _SEE_RESULTS,
    VIEWER: [(FRAMEWORKS, READ), (CRITERIA, READ)] + _SEE_RESULTS,
    PUBLIC: [],
}

# What every logged-in account needs: its own profile and password.
USER_VIEW = "UserDBModelView"
COMMON_PERMISSIONS = [
    (USER_VIEW, "can_userinfo"),
    (USER_VIEW, "resetmypassword"),
    ("ResetMyPasswordView", "can_this_form_get"),
    ("ResetMyPasswordView", "can_this_form_post"),
    ("UserInfoEditView", "can_this_form_get"),
    ("UserInfoEditView", "can_this_form_post"),
]
