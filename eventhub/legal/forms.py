from flask_babel import lazy_gettext as _l
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from eventhub.formtools import Form
from eventhub.legal.services import MAX_LENGTH

MARKDOWN_HELP = _l("Markdown: a blank line starts a paragraph, “## Heading” a heading, "
                   "“- item” a list, [text](https://…) a link, **bold**. HTML is shown as "
                   "text.")


class LegalTextForm(Form):
    body_de = TextAreaField(_l("German text"), validators=[DataRequired(),
                                                           Length(max=MAX_LENGTH)],
                            description=MARKDOWN_HELP, render_kw={"rows": 20, "lang": "de"})
    body_en = TextAreaField(_l("English text"), validators=[Length(max=MAX_LENGTH)],
                            description=_l("Optional: without it, English pages show the "
                                           "German text."),
                            render_kw={"rows": 20, "lang": "en"})
