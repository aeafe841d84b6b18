"""What each action is called on the log pages."""
from flask_babel import lazy_gettext as _l

ACTIONS = {
    "auth.login": _l("Logged in"),
    "auth.login_failed": _l("Failed login"),
    "auth.logout": _l("Logged out"),
    "auth.logout_everywhere": _l("Logged out everywhere"),
    "auth.password_change": _l("Changed own password"),
    "auth.2fa_enabled": _l("Two-factor login turned on"),
    "auth.2fa_disabled": _l("Two-factor login turned off"),
    "auth.recovery_code_used": _l("Logged in with a recovery code"),
    "account.2fa_reset": _l("Account: two-factor login reset"),
    "account.invite": _l("Account: invited"),
    "account.update": _l("Account: changed"),
    "account.deactivate": _l("Account: deactivated"),
    "account.reactivate": _l("Account: reactivated"),
    "account.invitation_sent": _l("Account: invitation sent again"),
    "account.reset_link_sent": _l("Account: password-reset link sent"),
    "account.invitation_accepted": _l("Account: invitation accepted"),
    "account.password_reset": _l("Account: password set by reset link"),
    "legal.publish": _l("Legal page published"),
    "organization.create": _l("Centre created"),
    "organization.update": _l("Centre changed"),
    "organization.logo": _l("Centre's logo changed"),
    "event.create": _l("Event created"),
    "event.update": _l("Event changed"),
    "event.publish": _l("Event published"),
    "event.cancel": _l("Event cancelled"),
    "event.delete": _l("Event deleted"),
    "event.duplicate": _l("Event duplicated"),
    "agenda.add": _l("Agenda item added"),
    "agenda.update": _l("Agenda item changed"),
    "agenda.delete": _l("Agenda item deleted"),
    "agenda.move": _l("Agenda item moved"),
    "speaker.add": _l("Speaker added"),
    "speaker.update": _l("Speaker changed"),
    "speaker.delete": _l("Speaker deleted"),
    "question.add": _l("Question added"),
    "question.update": _l("Question changed"),
    "question.delete": _l("Question deleted"),
    "question.move": _l("Question moved"),
    "reminder.add": _l("Reminder added"),
    "reminder.update": _l("Reminder changed"),
    "reminder.delete": _l("Reminder deleted"),
    "registration.add": _l("Participant added by hand"),
    "registration.confirm": _l("Registration confirmed"),
    "registration.cancel": _l("Registration cancelled"),
    "registration.move_up": _l("Moved up from the waiting list"),
    "registration.check_in": _l("Attendance checked"),
    "attendance.import_applied": _l("Attendance report applied"),
    "certificates.switch": _l("Certificates switched on or off"),
    "message.send": _l("Message sent to participants"),
    "retention.erase": _l("Personal data of the event erased"),
    "export.registrations": _l("Registrations exported"),
    "export.attendance_file": _l("Attendance report file downloaded"),
    "export.certificates": _l("Certificates downloaded (ZIP)"),
}

CATEGORIES = {
    "auth": _l("Logins"),
    "account": _l("Accounts"),
    "legal": _l("Legal pages"),
    "organization": _l("Centres"),
    "event": _l("Events"),
    "agenda": _l("Agenda"),
    "speaker": _l("Speakers"),
    "question": _l("Questions"),
    "reminder": _l("Reminders"),
    "registration": _l("Registrations"),
    "attendance": _l("Attendance"),
    "export": _l("Exports"),
    "certificates": _l("Certificates"),
    "message": _l("Messages"),
    "retention": _l("Deletion of personal data"),
}


TARGETS = {
    "event": _l("Event"),
    "agenda_item": _l("Agenda item"),
    "speaker": _l("Speaker"),
    "question": _l("Question"),
    "reminder_rule": _l("Reminder"),
    "registration": _l("Registration"),
    "attendance_import": _l("Attendance report"),
    "user": _l("Account"),
    "legal_text": _l("Legal page"),
    "organization": _l("Centre"),
    "participant_message": _l("Message"),
}


def action_label(action: str) -> str:
    return str(ACTIONS.get(action, action))


def target_label(target_type: str) -> str:
    return str(TARGETS.get(target_type, target_type))
