"""SMTP with the standard library: UTF-8 messages (plain text plus HTML) over one connection.

Headers with Vietnamese (subject, names) are encoded words and bodies quoted-printable, so any
server takes them, with or without 8BITMIME/SMTPUTF8.
"""

import logging
import smtplib
import ssl
from email.header import Header
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid, parseaddr

log = logging.getLogger(__name__)


def settings(config):
    """The mail settings of `config` (a Flask config), or None when mail is off."""
    if not (config.get("MAIL_SERVER") or "").strip():
        return None
    return {
        "host": config["MAIL_SERVER"].strip(),
        "port": int(config.get("MAIL_PORT") or 25),
        "tls": bool(config.get("MAIL_USE_TLS")),
        "username": config.get("MAIL_USERNAME") or "",
        "password": config.get("MAIL_PASSWORD") or "",
        "sender": config.get("MAIL_DEFAULT_SENDER") or "cchc@localhost",
        "app_name": config.get("APP_NAME") or "",
        "timeout": float(config.get("MAIL_TIMEOUT") or 10),
    }


def suppressed(app):
    """MAIL_SUPPRESS_SEND, or, when unset, whether the app is testing (as Flask-Mail does)."""
    value = app.config.get("MAIL_SUPPRESS_SEND")
    return app.testing if value is None else bool(value)


def _sender(mail):
    name, address = parseaddr(mail["sender"])
    return formataddr((name or mail["app_name"], address or mail["sender"]))


def encoded_subject(subject):
    """`subject` as folded RFC 2047 encoded words, the spaces inside the words.

    EmailMessage's own folding (Python 3.11) splits a long non-ASCII subject into encoded
    words and can drop the space between two of them ("của Đợt" arrives as "củaĐợt").
    email.header encodes the spaces too; set_raw keeps its lines, which fit in 78 characters,
    so the policy does not fold them again."""
    # One line: a line break typed in a round's name must not start a header of its own.
    subject = " ".join(str(subject).splitlines())
    charset = "us-ascii" if subject.isascii() else "utf-8"  # plain text when it can be
    return Header(subject, charset, header_name="Subject").encode()


def build(composed, mail):
    """The EmailMessage of a Composed message."""
    message = EmailMessage()
    message.set_raw("Subject", encoded_subject(composed.subject))
    message["From"] = _sender(mail)
    message["To"] = formataddr((composed.to.name, composed.to.email))
    message["Date"] = formatdate(localtime=False)
    domain = parseaddr(mail["sender"])[1].rpartition("@")[2] or "localhost"
    message["Message-ID"] = make_msgid(domain=domain)
    # RFC 3834: robots and out-of-office replies should leave it alone.
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(composed.text, charset="utf-8", cte="quoted-printable")
    message.add_alternative(composed.html, subtype="html", charset="utf-8", cte="quoted-printable")
    return message


def _connect(mail):
    smtp = smtplib.SMTP(mail["host"], mail["port"], timeout=mail["timeout"])
    try:
        if mail["tls"]:
            smtp.starttls(context=ssl.create_default_context())
        if mail["username"]:
            smtp.login(mail["username"], mail["password"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def send(messages, mail):
    """Send `messages` (EmailMessage) over one connection. Returns the error text of each
    message, None for those the server accepted; never raises for an SMTP problem."""
    if not messages:
        return []
    try:
        smtp = _connect(mail)
    except (OSError, smtplib.SMTPException) as err:
        log.warning("SMTP server %s:%s unreachable: %s", mail["host"], mail["port"], err)
        return [f"{type(err).__name__}: {err}"] * len(messages)
    errors = []
    try:
        for message in messages:
            try:
                refused = smtp.send_message(message)
                errors.append(f"refused: {refused}" if refused else None)
            except smtplib.SMTPServerDisconnected as err:
                errors.extend([f"{type(err).__name__}: {err}"] * (len(messages) - len(errors)))
                break
            except (OSError, smtplib.SMTPException) as err:
                errors.append(f"{type(err).__name__}: {err}")
    finally:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            smtp.close()
    return errors
