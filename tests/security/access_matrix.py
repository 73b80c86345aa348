"""The access matrix: for every endpoint of the app's url_map (FAB views, actions, custom pages,
REST API, FAB's own security screens and APIs, public pages), who may use it on their own
row, on someone else's row, and without a row. tests/security/test_access_matrix.py checks
every cell over HTTP and fails on any endpoint or FAB action missing here, and on any entry
that no longer exists.

An entry is one of:
- `page(who)`: a route without a row id (lists, add forms, exports, dashboards): `who` may
  open it, everyone else is refused;
- `rows(kind, own=..., foreign=...)`: a route taking the id of a row of `kind`: who may use it
  on their own row and on a foreign row (tests/security/matrix_world.py says which rows those
  are for each role). A row that does not exist is refused to everyone; `none=` says who
  opens the endpoint's route without an id, where it has one (the score sheets' lists);
- `actions({name: rows(...)})`: the FAB actions of a view, each with its rows, for both
  `/<view>/action/<name>/<pk>` and `/<view>/action_post`; `no_actions(kind)` for a view
  without actions (an unknown action name is refused to everyone);
- `excluded(reason)`: not requested (static files).
"Allowed" for a write means the access rules let the role at the row; the round's state
(windows, phases) may still refuse it, which is not what this table is about.
"""

from dataclasses import dataclass, field

from app.security import roles
from tests.security.matrix_world import ANONYMOUS, ROLES

AD, OR, UL, US = roles.ADMIN, roles.ORGANISER, roles.UNIT_LEADER, roles.UNIT_STAFF
SM, AP, TL, CO = roles.SUPPORT_MEMBER, roles.APPRAISER, roles.TEAM_LEADER, roles.COUNCIL
VI, AN = roles.VIEWER, ANONYMOUS


def who(*names):
    return frozenset(names)


EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {AN}
NOBODY = frozenset()
ADMIN = who(AD)
ORGANISER = who(AD, OR)  # the organiser's writes (an administrator may do them too)
UNIT = who(UL, US)
# Readers of the catalogue, the rounds and the self-assessments (app/security/roles.py).
STAFF = who(AD, OR, UL, US, SM, AP, TL, CO)
CRITERIA_READERS = STAFF | {VI}
APPRAISAL_SIDE = who(AD, OR, SM, AP, TL, CO)  # the appraisal screens and the teams
COUNCIL_SIDE = who(AD, OR, CO)  # see every unit's appraisal, published or not
RESULTS_READERS = who(AD, OR, UL, US, CO, VI)


@dataclass(frozen=True)
class Expect:
    kind: str | None  # rows' kind (matrix_world.MatrixWorld.rows), None for pages
    own: frozenset = NOBODY
    foreign: frozenset = NOBODY
    none: frozenset = NOBODY
    actions: dict = field(default=None, hash=False)
    excluded: str | None = None

    def allowed(self, role, row):
        return role in {"own": self.own, "foreign": self.foreign, "none": self.none}[row]


def page(allowed):
    return Expect(None, none=frozenset(allowed))


def rows(kind, own, foreign, none=NOBODY):
    return Expect(kind, own=frozenset(own), foreign=frozenset(foreign), none=frozenset(none))


def actions(by_name):
    return Expect(None, actions=by_name)


def no_actions(kind):
    return Expect(kind, actions={})


def excluded(reason):
    return Expect(None, excluded=reason)


# --- profiles ---------------------------------------------------------------------------------
NO_FILES = page(NOBODY)  # FAB's download/<filename>: the app has no file columns
ORGANISER_PAGE = page(ORGANISER)
ADMIN_PAGE = page(ADMIN)


def config(kind, readers, own_unit_only=False):
    """A catalogue row: read by `readers` (unit accounts only their own unit's when
    `own_unit_only`), written by the organiser."""
    foreign = readers - UNIT if own_unit_only else readers
    return rows(kind, readers, foreign), rows(kind, ORGANISER, ORGANISER)


def assessment_bound(kind, readers=STAFF):
    """Self-assessment and appraisal rows: the council's side sees every unit's, everyone
    else only their own unit's or their assignments'."""
    return rows(kind, readers, readers & COUNCIL_SIDE)


UNITS_SHOW, UNITS_WRITE = config("unit", STAFF, own_unit_only=True)
TYPES_SHOW, TYPES_WRITE = config("unit_type", ORGANISER)
FRAMEWORK_SHOW, FRAMEWORK_WRITE = config("framework", CRITERIA_READERS)
CRITERION_SHOW, CRITERION_WRITE = config("criterion", CRITERIA_READERS)
OPTION_SHOW, OPTION_WRITE = config("criterion_option", CRITERIA_READERS)
TIER_SHOW, TIER_WRITE = config("criterion_tier", CRITERIA_READERS)
BAND_SHOW, BAND_WRITE = config("grade_band", STAFF)
ROUND_SHOW, ROUND_WRITE = config("round@P", STAFF, own_unit_only=True)
TEAM_SHOW, TEAM_WRITE = config("team", APPRAISAL_SIDE)
MEMBER_SHOW, MEMBER_WRITE = config("team_member", APPRAISAL_SIDE)
COUNCIL_SHOW, COUNCIL_WRITE = config("council_member", COUNCIL_SIDE)
GRANT_SHOW, GRANT_WRITE = config("grant", ORGANISER)
SSO_SHOW, SSO_WRITE = rows("sso", ADMIN, ADMIN), rows("sso", ADMIN, ADMIN)
# The change log is read by the organiser and written by the domain only.
AUDIT_SHOW, AUDIT_WRITE = rows("audit", ORGANISER, ORGANISER), rows("audit", NOBODY, NOBODY)
SHEET = assessment_bound("assessment@S")
SHEET_LINE = assessment_bound("line@S")
EVIDENCE = assessment_bound("evidence@S")
APPRAISAL_LINE = assessment_bound("line@P:1.2", APPRAISAL_SIDE)
ASSIGNMENT = assessment_bound("assignment", APPRAISAL_SIDE)
REQUEST = assessment_bound("request@P")
# Writes on the unit's own self-assessment (the leader: any line; staff: the lines they prepare).
OWN_LINE_WRITE = rows("line@S", UNIT, NOBODY)
LEADER_WRITE = rows("assessment@S", who(UL), NOBODY)
RESULT = rows("result", RESULTS_READERS, RESULTS_READERS - UNIT)
ORGANISER_RESULTS = rows("round@R", ORGANISER, ORGANISER)
PUBLIC_ROUND = rows("round@R", EVERYONE, NOBODY)  # the foreign round is not published
SECURITY = {k: rows(k, ADMIN, ADMIN) for k in ("role", "permission", "view_menu",
                                               "permission_view", "group", "user")}  # fmt: skip
FAB_LOCKED = {k: rows(k, NOBODY, NOBODY) for k in ("permission", "view_menu", "permission_view")}

UNIT_ACTIONS = actions({"muldelete": UNITS_WRITE})
FRAMEWORK_ACTIONS = actions(
    {"freeze": FRAMEWORK_WRITE, "copy_to_year": FRAMEWORK_WRITE, "muldelete": FRAMEWORK_WRITE}
)
CRITERION_ACTIONS = actions({"muldelete": CRITERION_WRITE})
ROUND_ACTIONS = actions({"open_round": ROUND_WRITE, "lock_phase": ROUND_WRITE,
                         "unlock_phase": ROUND_WRITE, "muldelete": ROUND_WRITE})  # fmt: skip
ASSESSMENT_ACTIONS = actions({"submit": LEADER_WRITE, "withdraw": LEADER_WRITE})
ASSIGNMENT_ACTIONS = actions({"unassign": rows("assignment", who(TL), NOBODY)})
APPRAISAL_ACTIONS = actions({
    "approve": rows("line@P:1.2", who(TL), NOBODY),
    "return_line": rows("line@P:1.2", who(TL), NOBODY),
    "request_supplement": rows("line@P:2.1", who(CO), NOBODY),
    "lock_phase": rows("line@P:1.2", ORGANISER, ORGANISER),
    "approve_field": rows("line@P:1.2", who(TL), NOBODY),
    "approve_unit": rows("line@P:1.2", who(TL), NOBODY),
})  # fmt: skip
REQUEST_ACTIONS = actions({"respond": rows("request@P", UNIT, NOBODY)})
COUNCIL_ACTIONS = actions({"verify": rows("round@P", who(CO), NOBODY),
                           "finalise": rows("round@P", who(CO), NOBODY),
                           # The round's organiser or council; the organiser's department
                           # also organises the foreign (demo) round.
                           "reopen": rows("round@P", who(OR, CO), who(OR))})  # fmt: skip
RESULT_ACTIONS = actions({"recompute": rows("result", ORGANISER, ORGANISER)})
PUBLICATION_ACTIONS = actions(
    {"compute": ORGANISER_RESULTS, "publish": ORGANISER_RESULTS, "unpublish": ORGANISER_RESULTS}
)
USER_ACTIONS = actions({
    # Both open one's own form whatever the row: nobody reaches another account through them.
    "resetmypassword": rows("user", LOGGED_IN, LOGGED_IN),
    "userinfoedit": rows("user", LOGGED_IN, LOGGED_IN),
    "resetpasswords": SECURITY["user"], "unlock": SECURITY["user"],
})  # fmt: skip
ROLE_ACTIONS = actions({"copyrole": SECURITY["role"]})

# --- the table ----------------------------------------------------------------------------------
# fmt: off
TABLE = {
    # Catalogue: units, unit types, frameworks and their parts (organiser writes).
    "UnitView.list": page(STAFF), "UnitView.export": page(STAFF), "UnitView.show": UNITS_SHOW,
    "UnitView.add": ORGANISER_PAGE, "UnitView.edit": UNITS_WRITE, "UnitView.delete": UNITS_WRITE,
    "UnitView.download": NO_FILES, "UnitView.action": UNIT_ACTIONS,
    "UnitView.action_post": UNIT_ACTIONS,
    "UnitTypeView.list": ORGANISER_PAGE, "UnitTypeView.export": ORGANISER_PAGE,
    "UnitTypeView.show": TYPES_SHOW, "UnitTypeView.add": ORGANISER_PAGE,
    "UnitTypeView.edit": TYPES_WRITE, "UnitTypeView.delete": TYPES_WRITE,
    "UnitTypeView.download": NO_FILES, "UnitTypeView.action": no_actions("unit_type"),
    "UnitTypeView.action_post": no_actions("unit_type"),
    "FrameworkView.list": page(CRITERIA_READERS), "FrameworkView.export": page(CRITERIA_READERS),
    "FrameworkView.show": FRAMEWORK_SHOW, "FrameworkView.tree": FRAMEWORK_SHOW,
    "FrameworkView.add": ORGANISER_PAGE, "FrameworkView.edit": FRAMEWORK_WRITE,
    "FrameworkView.delete": FRAMEWORK_WRITE, "FrameworkView.download": NO_FILES,
    "FrameworkView.action": FRAMEWORK_ACTIONS, "FrameworkView.action_post": FRAMEWORK_ACTIONS,
    "FrameworkExcelView.export": FRAMEWORK_SHOW, "FrameworkExcelView.import_excel": FRAMEWORK_WRITE,
    "CriterionView.list": page(CRITERIA_READERS), "CriterionView.export": page(CRITERIA_READERS),
    "CriterionView.show": CRITERION_SHOW, "CriterionView.add": ORGANISER_PAGE,
    "CriterionView.edit": CRITERION_WRITE, "CriterionView.delete": CRITERION_WRITE,
    "CriterionView.download": NO_FILES, "CriterionView.action": CRITERION_ACTIONS,
    "CriterionView.action_post": CRITERION_ACTIONS,
    "CriterionOptionView.list": page(CRITERIA_READERS),
    "CriterionOptionView.export": page(CRITERIA_READERS), "CriterionOptionView.show": OPTION_SHOW,
    "CriterionOptionView.add": ORGANISER_PAGE, "CriterionOptionView.edit": OPTION_WRITE,
    "CriterionOptionView.delete": OPTION_WRITE, "CriterionOptionView.download": NO_FILES,
    "CriterionOptionView.action": no_actions("criterion_option"),
    "CriterionOptionView.action_post": no_actions("criterion_option"),
    "CriterionTierView.list": page(CRITERIA_READERS),
    "CriterionTierView.export": page(CRITERIA_READERS), "CriterionTierView.show": TIER_SHOW,
    "CriterionTierView.add": ORGANISER_PAGE, "CriterionTierView.edit": TIER_WRITE,
    "CriterionTierView.delete": TIER_WRITE, "CriterionTierView.download": NO_FILES,
    "CriterionTierView.action": no_actions("criterion_tier"),
    "CriterionTierView.action_post": no_actions("criterion_tier"),
    "GradeBandView.list": page(STAFF), "GradeBandView.export": page(STAFF),
    "GradeBandView.show": BAND_SHOW, "GradeBandView.add": ORGANISER_PAGE,
    "GradeBandView.edit": BAND_WRITE, "GradeBandView.delete": BAND_WRITE,
    "GradeBandView.download": NO_FILES, "GradeBandView.action": no_actions("grade_band"),
    "GradeBandView.action_post": no_actions("grade_band"),
    # Rounds, teams, council, window grants.
    "RoundView.list": page(STAFF), "RoundView.export": page(STAFF), "RoundView.show": ROUND_SHOW,
    "RoundView.add": ORGANISER_PAGE, "RoundView.edit": ROUND_WRITE,
    "RoundView.delete": ROUND_WRITE, "RoundView.download": NO_FILES,
    "RoundView.action": ROUND_ACTIONS, "RoundView.action_post": ROUND_ACTIONS,
    "AppraisalTeamView.list": page(APPRAISAL_SIDE),
    "AppraisalTeamView.export": page(APPRAISAL_SIDE),
    "AppraisalTeamView.show": TEAM_SHOW, "AppraisalTeamView.add": ORGANISER_PAGE,
    "AppraisalTeamView.edit": TEAM_WRITE, "AppraisalTeamView.delete": TEAM_WRITE,
    "AppraisalTeamView.download": NO_FILES, "AppraisalTeamView.action": no_actions("team"),
    "AppraisalTeamView.action_post": no_actions("team"),
    "TeamMemberView.list": page(APPRAISAL_SIDE), "TeamMemberView.export": page(APPRAISAL_SIDE),
    "TeamMemberView.show": MEMBER_SHOW, "TeamMemberView.add": ORGANISER_PAGE,
    "TeamMemberView.edit": MEMBER_WRITE, "TeamMemberView.delete": MEMBER_WRITE,
    "TeamMemberView.download": NO_FILES, "TeamMemberView.action": no_actions("team_member"),
    "TeamMemberView.action_post": no_actions("team_member"),
    "CouncilMemberView.list": page(COUNCIL_SIDE), "CouncilMemberView.export": page(COUNCIL_SIDE),
    "CouncilMemberView.show": COUNCIL_SHOW, "CouncilMemberView.add": ORGANISER_PAGE,
    "CouncilMemberView.edit": COUNCIL_WRITE, "CouncilMemberView.delete": COUNCIL_WRITE,
    "CouncilMemberView.download": NO_FILES,
    "CouncilMemberView.action": no_actions("council_member"),
    "CouncilMemberView.action_post": no_actions("council_member"),
    "WindowGrantView.list": ORGANISER_PAGE, "WindowGrantView.export": ORGANISER_PAGE,
    "WindowGrantView.show": GRANT_SHOW, "WindowGrantView.add": ORGANISER_PAGE,
    "WindowGrantView.action": no_actions("grant"),
    "WindowGrantView.action_post": no_actions("grant"),
    # Self-assessment: lists, score sheet, evidence, reports, Excel.
    "AssessmentView.list": page(STAFF), "AssessmentView.export": page(STAFF),
    "AssessmentView.show": SHEET, "AssessmentView.action": ASSESSMENT_ACTIONS,
    "AssessmentView.action_post": ASSESSMENT_ACTIONS,
    "ScoreLineView.list": page(STAFF), "ScoreLineView.export": page(STAFF),
    "ScoreLineView.show": SHEET_LINE, "ScoreLineView.edit": OWN_LINE_WRITE,
    "ScoreLineView.action": no_actions("line@S"), "ScoreLineView.action_post": no_actions("line@S"),
    "ScoreSheetView.sheet": rows("assessment@S", STAFF, COUNCIL_SIDE, none=STAFF),
    "ScoreSheetView.history": SHEET_LINE, "ScoreSheetView.autosave": OWN_LINE_WRITE,
    "ScoreSheetView.save_line": OWN_LINE_WRITE, "ScoreSheetView.assign": LEADER_WRITE,
    "ScoreSheetView.submit": LEADER_WRITE, "ScoreSheetView.withdraw": LEADER_WRITE,
    "EvidenceView.download_evidence": EVIDENCE, "EvidenceView.upload_evidence": OWN_LINE_WRITE,
    "EvidenceView.delete_evidence": rows("evidence@S", UNIT, NOBODY),
    "ReportView.report_pdf": SHEET, "SheetExcelView.export_xlsx": SHEET,
    # The import form opens for whoever may see the sheet and write sheets; lines it would
    # change are checked one by one (the administrator's are all refused).
    "SheetExcelView.import_xlsx": rows("assessment@S", who(AD, UL, US), ADMIN),
    # The minutes: the organiser, the round's council and teams (the unit once appraised).
    "AppraisalMinutesView.minutes_pdf": rows("round_unit@P", APPRAISAL_SIDE, ORGANISER),
    # Appraisal: the sheet and its steps, assignments, results list, supplement requests.
    "AppraisalSheetView.sheet": rows("assessment@P", APPRAISAL_SIDE, COUNCIL_SIDE,
                                     none=APPRAISAL_SIDE),
    "AppraisalSheetView.timeline": assessment_bound("line@P", APPRAISAL_SIDE),
    "AppraisalSheetView.support_score": rows("line@P:1.3.2", who(SM), NOBODY),
    "AppraisalSheetView.appraise": rows("line@P:1.3.1", who(AP), NOBODY),
    "AppraisalSheetView.approve": rows("line@P:1.2", who(TL), NOBODY),
    "AppraisalSheetView.return_line": rows("line@P:1.2", who(TL), NOBODY),
    "AppraisalSheetView.approve_field": rows("assessment@P", who(TL), NOBODY),
    "AppraisalSheetView.approve_unit": rows("assessment@P", who(TL), NOBODY),
    "AssignmentScreenView.assign_form": page(APPRAISAL_SIDE),
    "AssignmentScreenView.coverage": page(APPRAISAL_SIDE),
    "AssignmentScreenView.preview_assignment": page(who(AD, TL)),
    "AssignmentScreenView.assign": page(who(AD, TL)),
    "AssignmentView.list": page(APPRAISAL_SIDE), "AssignmentView.export": page(APPRAISAL_SIDE),
    "AssignmentView.show": ASSIGNMENT, "AssignmentView.action": ASSIGNMENT_ACTIONS,
    "AssignmentView.action_post": ASSIGNMENT_ACTIONS,
    "AppraisalLineView.list": page(APPRAISAL_SIDE),
    "AppraisalLineView.export": page(APPRAISAL_SIDE),
    "AppraisalLineView.show": APPRAISAL_LINE, "AppraisalLineView.action": APPRAISAL_ACTIONS,
    "AppraisalLineView.action_post": APPRAISAL_ACTIONS,
    "SupplementRequestView.list": page(STAFF), "SupplementRequestView.export": page(STAFF),
    "SupplementRequestView.show": REQUEST, "SupplementRequestView.action": REQUEST_ACTIONS,
    "SupplementRequestView.action_post": REQUEST_ACTIONS,
    # The council's verification.
    "CouncilRoundView.list": page(COUNCIL_SIDE), "CouncilRoundView.export": page(COUNCIL_SIDE),
    "CouncilRoundView.show": rows("round@P", COUNCIL_SIDE, COUNCIL_SIDE),
    "CouncilRoundView.action": COUNCIL_ACTIONS, "CouncilRoundView.action_post": COUNCIL_ACTIONS,
    "CouncilResultsView.results": rows("round@P", COUNCIL_SIDE, COUNCIL_SIDE),
    "CouncilResultsView.unit_lines": rows("round_unit@P", COUNCIL_SIDE, COUNCIL_SIDE),
    "CouncilResultsView.request_lines": rows("round_unit@P", who(CO), NOBODY),
    # Results: lists, pages, publication, survey import, reports, public pages.
    "UnitResultView.list": page(RESULTS_READERS), "UnitResultView.export": page(RESULTS_READERS),
    "UnitResultView.show": RESULT, "UnitResultView.action": RESULT_ACTIONS,
    "UnitResultView.action_post": RESULT_ACTIONS, "UnitResultPageView.result_page": RESULT,
    "PublicationRoundView.list": ORGANISER_PAGE, "PublicationRoundView.export": ORGANISER_PAGE,
    "PublicationRoundView.show": ORGANISER_RESULTS,
    "PublicationRoundView.action": PUBLICATION_ACTIONS,
    "PublicationRoundView.action_post": PUBLICATION_ACTIONS,
    "SurveyImportView.list": ORGANISER_PAGE, "SurveyImportView.export": ORGANISER_PAGE,
    "SurveyImportView.show": rows("survey_import", ORGANISER, ORGANISER),
    "SurveyImportView.action": no_actions("survey_import"),
    "SurveyImportView.action_post": no_actions("survey_import"),
    "SurveyUploadView.upload": ORGANISER_PAGE, "SurveyUploadView.survey_template": ORGANISER_PAGE,
    "ResultsReportsView.rounds": page(RESULTS_READERS),
    "ResultsReportsView.round_reports": rows("round@R", RESULTS_READERS, COUNCIL_SIDE),
    "ResultsReportsView.matrix_xlsx": rows("round@R", COUNCIL_SIDE, COUNCIL_SIDE),
    "ResultsReportsView.gap_page": rows("result_unit", RESULTS_READERS - {VI}, COUNCIL_SIDE),
    "ResultsReportsView.gap_pdf": rows("result_unit", RESULTS_READERS - {VI}, COUNCIL_SIDE),
    # Before publication the organiser's side reads the announcement as a draft.
    "AnnouncementView.announcement": rows("round@R", EVERYONE, COUNCIL_SIDE),
    "PublicResultsView.rounds": page(EVERYONE), "PublicResultsView.ranking": PUBLIC_ROUND,
    "PublicResultsView.unit": rows("result_unit", EVERYONE, EVERYONE),
    # The change log and the single sign-on mappings.
    "AuditEventView.list": ORGANISER_PAGE, "AuditEventView.export": ORGANISER_PAGE,
    "AuditEventView.show": AUDIT_SHOW, "AuditEventView.add": page(NOBODY),
    "AuditEventView.edit": AUDIT_WRITE, "AuditEventView.delete": AUDIT_WRITE,
    "AuditEventView.download": NO_FILES, "AuditEventView.action": no_actions("audit"),
    "AuditEventView.action_post": no_actions("audit"),
    "SsoMappingView.list": ADMIN_PAGE, "SsoMappingView.export": ADMIN_PAGE,
    "SsoMappingView.show": SSO_SHOW, "SsoMappingView.add": ADMIN_PAGE,
    "SsoMappingView.edit": SSO_WRITE, "SsoMappingView.delete": SSO_WRITE,
    "SsoMappingView.download": NO_FILES, "SsoMappingView.action": no_actions("sso"),
    "SsoMappingView.action_post": no_actions("sso"),
    # REST API (JWT): the same rows as the screens.
    "UnitTypeApi.get_list": ORGANISER_PAGE, "UnitTypeApi.info": ORGANISER_PAGE,
    "UnitTypeApi.get": TYPES_SHOW, "UnitTypeApi.post": ORGANISER_PAGE,
    "UnitTypeApi.put": TYPES_WRITE, "UnitTypeApi.delete": TYPES_WRITE,
    "UnitApi.get_list": page(STAFF), "UnitApi.info": page(STAFF), "UnitApi.get": UNITS_SHOW,
    "UnitApi.post": ORGANISER_PAGE, "UnitApi.put": UNITS_WRITE, "UnitApi.delete": UNITS_WRITE,
    "FrameworkApi.get_list": page(CRITERIA_READERS), "FrameworkApi.info": page(CRITERIA_READERS),
    "FrameworkApi.get": FRAMEWORK_SHOW, "FrameworkApi.post": ORGANISER_PAGE,
    "FrameworkApi.put": FRAMEWORK_WRITE, "FrameworkApi.delete": FRAMEWORK_WRITE,
    "CriterionApi.get_list": page(CRITERIA_READERS), "CriterionApi.info": page(CRITERIA_READERS),
    "CriterionApi.get": CRITERION_SHOW, "CriterionApi.post": ORGANISER_PAGE,
    "CriterionApi.put": CRITERION_WRITE, "CriterionApi.delete": CRITERION_WRITE,
    "RoundApi.get_list": page(STAFF), "RoundApi.info": page(STAFF), "RoundApi.get": ROUND_SHOW,
    "RoundApi.post": ORGANISER_PAGE, "RoundApi.put": ROUND_WRITE, "RoundApi.delete": ROUND_WRITE,
    "AssessmentApi.get_list": page(STAFF), "AssessmentApi.get": SHEET,
    "ScoreLineApi.get_list": page(STAFF), "ScoreLineApi.get": SHEET_LINE,
    "ScoreLineApi.put": OWN_LINE_WRITE,
    "EvidenceApi.get_list": page(STAFF), "EvidenceApi.get": EVIDENCE,
    "AssignmentApi.get_list": page(APPRAISAL_SIDE), "AssignmentApi.get": ASSIGNMENT,
    "AssignmentApi.post": page(who(AD, TL)),
    "AssignmentApi.delete": rows("assignment", who(TL), NOBODY),
    "AppraisalLineApi.get_list": page(APPRAISAL_SIDE), "AppraisalLineApi.get": APPRAISAL_LINE,
    "AppraisalLineApi.put": rows("line@P:1.2", who(TL), NOBODY),
    "SupplementRequestApi.get_list": page(STAFF), "SupplementRequestApi.get": REQUEST,
    "SupplementRequestApi.post": page(who(AD, CO)),
    "SupplementRequestApi.put": rows("request@P", UNIT, NOBODY),
    "RoundApi.lock_phase": ROUND_WRITE, "RoundApi.unlock_phase": ROUND_WRITE,
    "AppraisalTeamApi.get_list": page(APPRAISAL_SIDE), "AppraisalTeamApi.get": TEAM_SHOW,
    "AppraisalTeamApi.post": ORGANISER_PAGE, "AppraisalTeamApi.put": TEAM_WRITE,
    "AppraisalTeamApi.delete": TEAM_WRITE,
    "TeamMemberApi.get_list": page(APPRAISAL_SIDE), "TeamMemberApi.get": MEMBER_SHOW,
    "TeamMemberApi.post": ORGANISER_PAGE, "TeamMemberApi.put": MEMBER_WRITE,
    "TeamMemberApi.delete": MEMBER_WRITE,
    "CouncilMemberApi.get_list": page(COUNCIL_SIDE), "CouncilMemberApi.get": COUNCIL_SHOW,
    "CouncilMemberApi.post": ORGANISER_PAGE, "CouncilMemberApi.put": COUNCIL_WRITE,
    "CouncilMemberApi.delete": COUNCIL_WRITE,
    # The sheet's approval of a field or a unit, and the council's verification, over REST.
    "AppraisalApprovalApi.approve_field": rows("assessment@P", who(TL), NOBODY),
    "AppraisalApprovalApi.approve_unit": rows("assessment@P", who(TL), NOBODY),
    "CouncilRoundApi.verify": COUNCIL_ACTIONS.actions["verify"],
    "CouncilRoundApi.finalise": COUNCIL_ACTIONS.actions["finalise"],
    "CouncilRoundApi.reopen": COUNCIL_ACTIONS.actions["reopen"],
    "OpenApi.get": ADMIN_PAGE, "MenuApi.get_menu_data": ADMIN_PAGE,  # FAB's SPA menu: unused
    "SecurityApi.login": page(EVERYONE), "SecurityApi.refresh": page(NOBODY),
    # Logging in and out, one's own account, the home page.
    "AppAuthDBView.login": page(EVERYONE), "AppAuthDBView.logout": page(EVERYONE),
    "HomeIndexView.index": page(EVERYONE), "LocaleView.index": page(EVERYONE),
    "UtilView.back": page(EVERYONE),
    "AppUserDBModelView.userinfo": page(LOGGED_IN),
    "ResetMyPasswordView.this_form_get": page(LOGGED_IN),
    "ResetMyPasswordView.this_form_post": page(LOGGED_IN),
    "UserInfoEditView.this_form_get": page(LOGGED_IN),
    "UserInfoEditView.this_form_post": page(LOGGED_IN),
    # FAB's security screens and APIs: the administrator's only.
    "AppUserDBModelView.list": ADMIN_PAGE, "AppUserDBModelView.show": SECURITY["user"],
    "AppUserDBModelView.add": ADMIN_PAGE, "AppUserDBModelView.edit": SECURITY["user"],
    "AppUserDBModelView.delete": SECURITY["user"], "AppUserDBModelView.download": NO_FILES,
    "AppUserDBModelView.action": USER_ACTIONS, "AppUserDBModelView.action_post": USER_ACTIONS,
    "ResetPasswordView.this_form_get": ADMIN_PAGE, "ResetPasswordView.this_form_post": ADMIN_PAGE,
    "UserStatsChartView.chart": page(ADMIN),
    "RoleModelView.list": ADMIN_PAGE, "RoleModelView.show": SECURITY["role"],
    "RoleModelView.add": ADMIN_PAGE, "RoleModelView.edit": SECURITY["role"],
    "RoleModelView.delete": SECURITY["role"], "RoleModelView.download": NO_FILES,
    "RoleModelView.action": ROLE_ACTIONS, "RoleModelView.action_post": ROLE_ACTIONS,
    "UserGroupModelView.list": ADMIN_PAGE, "UserGroupModelView.show": SECURITY["group"],
    "UserGroupModelView.add": ADMIN_PAGE, "UserGroupModelView.edit": SECURITY["group"],
    "UserGroupModelView.delete": SECURITY["group"], "UserGroupModelView.download": NO_FILES,
    "UserGroupModelView.action": no_actions("group"),
    "UserGroupModelView.action_post": no_actions("group"),
    # FAB opens only the lists of permissions, resources and their pairs (base_permissions).
    "PermissionModelView.list": ADMIN_PAGE, "PermissionModelView.show": FAB_LOCKED["permission"],
    "PermissionModelView.add": page(NOBODY), "PermissionModelView.edit": FAB_LOCKED["permission"],
    "PermissionModelView.delete": FAB_LOCKED["permission"],
    "PermissionModelView.download": NO_FILES,
    "PermissionModelView.action": no_actions("permission"),
    "PermissionModelView.action_post": no_actions("permission"),
    "ViewMenuModelView.list": ADMIN_PAGE, "ViewMenuModelView.show": FAB_LOCKED["view_menu"],
    "ViewMenuModelView.add": page(NOBODY), "ViewMenuModelView.edit": FAB_LOCKED["view_menu"],
    "ViewMenuModelView.delete": FAB_LOCKED["view_menu"], "ViewMenuModelView.download": NO_FILES,
    "ViewMenuModelView.action": no_actions("view_menu"),
    "ViewMenuModelView.action_post": no_actions("view_menu"),
    "PermissionViewModelView.list": ADMIN_PAGE,
    "PermissionViewModelView.show": FAB_LOCKED["permission_view"],
    "PermissionViewModelView.add": page(NOBODY),
    "PermissionViewModelView.edit": FAB_LOCKED["permission_view"],
    "PermissionViewModelView.delete": FAB_LOCKED["permission_view"],
    "PermissionViewModelView.download": NO_FILES,
    "PermissionViewModelView.action": no_actions("permission_view"),
    "PermissionViewModelView.action_post": no_actions("permission_view"),
    "UserApi.get_list": ADMIN_PAGE, "UserApi.info": ADMIN_PAGE, "UserApi.get": SECURITY["user"],
    "UserApi.post": ADMIN_PAGE, "UserApi.put": SECURITY["user"], "UserApi.delete": SECURITY["user"],
    "RoleApi.get_list": ADMIN_PAGE, "RoleApi.info": ADMIN_PAGE, "RoleApi.get": SECURITY["role"],
    "RoleApi.post": ADMIN_PAGE, "RoleApi.put": SECURITY["role"], "RoleApi.delete": SECURITY["role"],
    "RoleApi.list_role_permissions": SECURITY["role"],
    "RoleApi.add_role_permissions": SECURITY["role"],
    "RoleApi.update_role_groups": SECURITY["role"], "RoleApi.update_role_users": SECURITY["role"],
    "GroupApi.get_list": ADMIN_PAGE, "GroupApi.info": ADMIN_PAGE, "GroupApi.get": SECURITY["group"],
    "GroupApi.post": ADMIN_PAGE, "GroupApi.put": SECURITY["group"],
    "GroupApi.delete": SECURITY["group"],
    "PermissionApi.get_list": ADMIN_PAGE, "PermissionApi.info": ADMIN_PAGE,
    "PermissionApi.get": SECURITY["permission"],
    "ViewMenuApi.get_list": ADMIN_PAGE, "ViewMenuApi.info": ADMIN_PAGE,
    "ViewMenuApi.get": SECURITY["view_menu"], "ViewMenuApi.post": ADMIN_PAGE,
    "ViewMenuApi.put": SECURITY["view_menu"], "ViewMenuApi.delete": SECURITY["view_menu"],
    "PermissionViewMenuApi.get_list": ADMIN_PAGE, "PermissionViewMenuApi.info": ADMIN_PAGE,
    "PermissionViewMenuApi.get": SECURITY["permission_view"],
    "PermissionViewMenuApi.post": ADMIN_PAGE,
    "PermissionViewMenuApi.put": SECURITY["permission_view"],
    "PermissionViewMenuApi.delete": SECURITY["permission_view"],
    "SwaggerView.show": ADMIN_PAGE,
    # Files on disk (CSS, scripts, FAB's assets), public by design.
    "static": excluded("the app's CSS and scripts"),
    "appbuilder.static": excluded("FAB's CSS, scripts and fonts"),
}
# fmt: on
