"""What the messages say: notices grouped into one message per recipient and subject, in
Vietnamese (the app's default locale, whatever language the sender's screen was in).

A Notice carries plain values only (names, codes, formatted times, link targets), taken while
the transaction was open: composing after the commit needs no database.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from app.notifications import links
from app.notifications.body import Body, Bullets, Item, Link, Paragraph, as_html, as_text

ASSIGNMENT = "assignment"
SUPPLEMENT = "supplement"
REMINDER = "reminder"


@dataclass(frozen=True)
class Recipient:
    user_id: int
    name: str
    email: str


def recipient(user):
    """The Recipient for an account, or None when it has no e-mail address or is inactive."""
    email = (getattr(user, "email", None) or "").strip()
    if not email or not getattr(user, "active", True):
        return None
    return Recipient(user.id, user.get_full_name(), email)


@dataclass
class Notice:
    """One item for one recipient; the notices of one kind, recipient and group make one
    message. `context` is the same for the whole group (round, unit, window...)."""

    kind: str
    to: Recipient
    group: tuple
    context: dict
    item: dict = field(default_factory=dict)


@dataclass
class Composed:
    """A message ready to send."""

    kind: str
    to: Recipient
    group: tuple
    subject: str
    text: str
    html: str


def _greeting(to):
    return _("Dear %(name)s,", name=to.name)


def _footer():
    return _(
        "This message was sent automatically by %(app)s; please do not reply to it.",
        app=current_app.config.get("APP_NAME", "Chỉ số CCHC"),
    )


def _window(start, end):
    if start and end:
        return _("from %(start)s to %(end)s", start=start, end=end)
    if end:
        return _("until %(end)s", end=end)
    return None


def _task(kind):
    return {"support": _("score (support team)"), "appraiser": _("appraise")}.get(kind, kind)


def _assignment(to, context, items):
    subject = _("Appraisal assignment: %(round)s", round=context["round"])
    body = Body(_greeting(to), footer=_footer())
    text = _(
        "%(leader)s, leader of %(team)s, has assigned you the following work in %(round)s:",
        leader=context["leader"],
        team=context["team"],
        round=context["round"],
    )
    body.blocks.append(Paragraph(text))
    entries = [
        Item(
            f"{i['unit']}: {i['code']} {i['title']}",
            (_("Task: %(task)s, %(count)s sub-criteria", task=_task(i["role"]), count=i["lines"]),),
            links.url(*i["link"]),
        )
        for i in items
    ]
    body.blocks.append(Bullets(tuple(entries)))
    window = _window(context.get("start"), context.get("end"))
    if window:
        body.blocks.append(Paragraph(_("Appraisal window: %(window)s.", window=window)))
    body.blocks.append(Link(_("Your appraisal work"), links.url(*context["link"])))
    return subject, body


def _supplement(to, context, items):
    subject = _(
        "Supplement request of the appraisal council: %(unit)s, %(round)s",
        unit=context["unit"],
        round=context["round"],
    )
    body = Body(_greeting(to), footer=_footer())
    body.blocks.append(
        Paragraph(
            _(
                "The appraisal council of %(round)s asks %(unit)s to supplement evidence or "
                "explanations for the following sub-criteria:",
                round=context["round"],
                unit=context["unit"],
            )
        )
    )
    entries = []
    for i in items:
        reason = [line.strip() for line in i["reason"].splitlines() if line.strip()]
        details = [_("Reason: %(reason)s", reason=reason[0])] + reason[1:] if reason else []
        entries.append(Item(f"{i['code']} {i['title']}", tuple(details)))
    body.blocks.append(Bullets(tuple(entries)))
    window = _window(context.get("start"), context.get("end"))
    if window:
        text = _(
            "Supplement window: %(window)s. Only these sub-criteria can receive evidence or "
            "explanations, and only inside the window.",
            window=window,
        )
    else:
        text = _("The organiser will announce the supplement window.")
    body.blocks.append(Paragraph(text))
    body.blocks.append(Link(_("Open the score sheet"), links.url(*context["link"])))
    return subject, body


def _reminder(to, context, items):
    subject = _(
        "24 hours left: the %(window)s of %(round)s closes at %(end)s",
        window=context["window"],
        round=context["round"],
        end=context["end"],
    )
    body = Body(_greeting(to), footer=_footer())
    body.blocks.append(
        Paragraph(
            _(
                "The %(window)s of %(round)s closes at %(end)s, in less than 24 hours. You "
                "still have open lines:",
                window=context["window"],
                round=context["round"],
                end=context["end"],
            )
        )
    )
    entries = [
        Item(
            _(
                "%(unit)s: %(count)s sub-criteria %(task)s",
                unit=i["unit"],
                count=i["count"],
                task=i["task"],
            ),
            (),
            links.url(*i["link"]),
        )
        for i in items
    ]
    body.blocks.append(Bullets(tuple(entries)))
    body.blocks.append(Paragraph(_("At the deadline the system locks entry automatically.")))
    return subject, body


_BUILDERS = {ASSIGNMENT: _assignment, SUPPLEMENT: _supplement, REMINDER: _reminder}


def compose(notices):
    """[Composed], one per (kind, recipient, group), in the order the notices came; the
    items of one message keep their order and are not repeated. Needs an app context."""
    grouped = defaultdict(list)
    for notice in notices:
        grouped[(notice.kind, notice.to, notice.group)].append(notice)
    messages = []
    with force_locale(current_app.config.get("BABEL_DEFAULT_LOCALE", "vi")):
        for (kind, to, group), members in grouped.items():
            items = list({repr(sorted(n.item.items())): n.item for n in members}.values())
            subject, body = _BUILDERS[kind](to, members[0].context, items)
            messages.append(Composed(kind, to, group, subject, as_text(body), as_html(body)))
    return messages
