"""Forms of the webmail (Flask-WTF: CSRF on every one)."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Regexp

ADDRESS = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"


class ComposeForm(FlaskForm):
    """A new message."""

    to = EmailField("À", validators=[DataRequired("Indiquez un destinataire."),
                                     Regexp(ADDRESS, message="Adresse invalide."),
                                     Length(max=320)])
    subject = StringField("Objet", validators=[DataRequired("Indiquez un objet."),
                                               Length(max=255)])
    body = TextAreaField("Message", validators=[DataRequired("Le message est vide."),
                                                Length(max=20000)])
