"""Single sign-on: who a person signed in by the identity provider is here.

The provider's verified claims (id_token, userinfo) name the person (subject "sub", e-mail).
Their unit and roles come from the administrator's mapping (SsoMapping: by subject, else by
e-mail) when there is one, else from the claims (a unit-code claim and a roles/groups claim
mapped to our roles). Nothing else grants access: a person with neither gets a clear refusal.
Every login re-computes unit and roles, so a change at the provider or in the mapping applies
at the next login.

SSO accounts are FAB users named "sso:<subject>"; they have no usable password, so a local
account can never be reached through a claim (a provider that says preferred_username="admin"
gets nothing of the local "admin").
"""

import hashlib
import logging
import secrets
from dataclasses import dataclass, field

from flask_babel import gettext as _

from app.domain import audit
from app.domain.errors import DomainError
from app.domain.users import unit_problem
from app.models.sso import SsoMapping
from app.models.units import Unit
from app.models.users import AppUser
from app.security import roles as role_names

log = logging.getLogger(__name__)

USERNAME_PREFIX = "sso:"
_MAX_USERNAME = 128  # FAB's ab_user.username
# Roles a provider's claim can never grant by name alone (only an explicit OIDC_ROLE_MAP can).
_NOT_BY_NAME = (role_names.ADMIN, role_names.PUBLIC)


@dataclass
class Settings:
    """Which claims carry what, and how the provider's role names become ours."""

    unit_claim: str = "unit_code"
    roles_claim: str = "roles"
    email_claim: str = "email"
    role_map: dict = field(default_factory=dict)

    @classmethod
    def from_config(cls, config):
        return cls(
            unit_claim=config.get("OIDC_UNIT_CLAIM") or "unit_code",
            roles_claim=config.get("OIDC_ROLES_CLAIM") or "roles",
            email_claim=config.get("OIDC_EMAIL_CLAIM") or "email",
            role_map=parse_role_map(config.get("OIDC_ROLE_MAP") or ""),
        )


@dataclass
class Identity:
    subject: str
    email: str | None
    first_name: str
    last_name: str
    unit_code: str | None
    role_keys: list


def parse_role_map(text):
    """ "group-a=Organiser, group-b=UnitStaff" -> {"group-a": "Organiser", ...}."""
    mapping = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        if sep and key.strip() and value.strip():
            mapping[key.strip()] = value.strip()
    return mapping


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.replace(",", " ").split() if v]
    if isinstance(value, (list, tuple, set)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def identity_from_claims(claims, settings):
    """The person the claims describe. Raises DomainError without a subject."""
    subject = str(claims.get("sub") or "").strip()
    if not subject:
        raise DomainError(_("The sign-on service did not say who you are; sign in again."))
    email = str(claims.get(settings.email_claim) or "").strip().lower() or None
    first = str(claims.get("given_name") or "").strip()
    last = str(claims.get("family_name") or "").strip()
    if not first and not last:
        first = str(claims.get("name") or "").strip() or (email or subject).split("@")[0]
    unit_code = str(claims.get(settings.unit_claim) or "").strip() or None
    return Identity(
        subject=subject,
        email=email,
        first_name=first[:64],
        last_name=last[:64],
        unit_code=unit_code,
        role_keys=_as_list(claims.get(settings.roles_claim)),
    )


def _who(identity):
    return identity.email or identity.subject


def find_mapping(session, identity):
    """The administrator's mapping for `identity`: by subject, else an e-mail-only row."""
    row = session.query(SsoMapping).filter(SsoMapping.subject == identity.subject).first()
    if row is None and identity.email:
        row = (
            session.query(SsoMapping)
            .filter(SsoMapping.subject.is_(None), SsoMapping.email == identity.email)
            .first()
        )
    return row


def _roles_from_claims(identity, settings, find_role):
    wanted = []
    for key in identity.role_keys:
        if settings.role_map:
            name = settings.role_map.get(key)
        else:
            name = key if key in role_names.ALL_ROLES and key not in _NOT_BY_NAME else None
        role = find_role(name) if name else None
        if role is not None and role not in wanted:
            wanted.append(role)
    return wanted


def _unit_from_claims(session, identity):
    if identity.unit_code is None:
        return None
    unit = session.query(Unit).filter(Unit.code == identity.unit_code).first()
    if unit is None:
        message = _(
            "The sign-on service gives your unit as \"%(code)s\", which is not in the list of "
            "units. Ask the administrator to check the unit code.", code=identity.unit_code,
        )  # fmt: skip
        raise DomainError(message)
    return unit


def resolve_access(session, identity, settings, find_role):
    """Return (unit, roles) for `identity`, or raise DomainError saying why not.

    `find_role(name)` returns the FAB role of that name (or None)."""
    mapping = find_mapping(session, identity)
    if mapping is not None:
        if not mapping.active:
            message = _(
                "Signing in with single sign-on is switched off for %(who)s. Contact the "
                "administrator.", who=_who(identity),
            )  # fmt: skip
            raise DomainError(message)
        unit, granted = mapping.unit, list(mapping.roles)
    else:
        unit = _unit_from_claims(session, identity)
        granted = _roles_from_claims(identity, settings, find_role)
    if not granted:
        message = _(
            "Your account %(who)s was recognised by single sign-on but has no unit and role in "
            "this system yet. Ask the administrator to map it to your unit and roles.",
            who=_who(identity),
        )  # fmt: skip
        raise DomainError(message)
    names = [r.name for r in granted]
    bound = [n for n in names if n in role_names.UNIT_BOUND_ROLES]
    if bound and unit is None:
        message = _(
            "Your role (%(roles)s) works on behalf of one unit, but no unit was given for "
            "%(who)s. Ask the administrator to set your unit.",
            roles=", ".join(bound), who=_who(identity),
        )  # fmt: skip
        raise DomainError(message)
    problem = unit_problem(names, unit)
    if problem:
        raise DomainError(problem)
    return unit, granted


def username_for(identity):
    """The FAB user name of an SSO account: "sso:<subject>" (hashed when too long)."""
    name = USERNAME_PREFIX + identity.subject
    if len(name) > _MAX_USERNAME:
        name = USERNAME_PREFIX + hashlib.sha256(identity.subject.encode()).hexdigest()
    return name


def _email_for(session, identity, username):
    email = identity.email or f"{username.replace(':', '-')}@sso.invalid"
    other = (
        session.query(AppUser.id)
        .filter(AppUser.email == email, AppUser.username != username)
        .first()
    )
    if other is not None:
        message = _(
            "Another account of this system already uses the e-mail %(email)s. Ask the "
            "administrator to change that account's e-mail, then sign in again.", email=email,
        )  # fmt: skip
        raise DomainError(message)
    return email


def mapping_problems(session, mapping):
    """Why the administrator's `mapping` cannot be saved (empty list: it can). Normalises its
    subject and e-mail first (trimmed; e-mail lower-case, as matched at login)."""
    mapping.subject = (mapping.subject or "").strip() or None
    mapping.email = (mapping.email or "").strip().lower() or None
    problems = []
    if mapping.subject is None and mapping.email is None:
        problems.append(_("Give the person's subject (sub) or e-mail at the sign-on service."))
    if mapping.email is not None and "@" not in mapping.email:
        problems.append(_("The e-mail address is not valid."))
    for column, value in (("subject", mapping.subject), ("email", mapping.email)):
        if value is None:
            continue
        clash = session.query(SsoMapping.id).filter(getattr(SsoMapping, column) == value)
        if mapping.id is not None:
            clash = clash.filter(SsoMapping.id != mapping.id)
        if clash.first():
            problems.append(_("Another mapping already has this value: %(value)s.", value=value))
    names = [r.name for r in mapping.roles or []]
    if not names:
        problems.append(_("Choose at least one role."))
    problem = unit_problem(names, mapping.unit)
    if problem:
        problems.append(problem)
    return problems


def _describe(unit, granted):
    return f"{unit.code if unit else '-'}: {', '.join(sorted(r.name for r in granted))}"


def sign_in(session, sm, identity, settings):
    """Find or create the SSO account of `identity`, set its unit and roles, and return it.
    Raises DomainError (nothing changed) when the person may not sign in."""
    unit, granted = resolve_access(session, identity, settings, sm.find_role)
    username = username_for(identity)
    email = _email_for(session, identity, username)
    user = session.query(AppUser).filter(AppUser.username == username).first()
    if user is not None and not user.active:
        raise DomainError(_("This account has been deactivated. Contact the administrator."))
    old = None if user is None else _describe(user.unit, user.roles)
    if user is None:
        user = AppUser(username=username, active=True)
        # No usable password: this account signs in only through the provider.
        user.password = "!" + secrets.token_hex(32)
        session.add(user)
    user.first_name = identity.first_name or "-"
    user.last_name = identity.last_name or "-"
    user.email = email
    user.unit = unit
    user.roles = granted
    new = _describe(unit, granted)
    if old != new:
        session.flush()
        audit.record(session, user, "sso_access", "user", user.id, old, new, "single sign-on")
    session.commit()
    log.info("SSO sign-in of %s as %s (%s)", identity.subject, username, new)
    return user
