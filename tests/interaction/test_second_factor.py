"""The MSSanté journey of the user guide: password, then a code by e-mail or SMS.

The codes really travel: e-mails through the SMTP server and SMS through the twilio library,
both received by the development mail catcher started for the test run.
"""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest

from idp.extensions import db
from idp.models import Delivery, OtpChallenge, SsoSession, User
from idp.models.base import utcnow

from ..delivery_servers import app_settings
from ..helpers import live_sessions
from .second_factor_journey import (
    ALICE,
    ALICE_NOTIFICATIONS,
    ALICE_PHONE,
    ask_again,
    code_page,
    finish,
    id_token_of,
    latest_code,
    password_step,
    post_form,
    shown,
    start,
    type_code,
)


@pytest.fixture
def rp(actors):
    """Alice (with a mobile number) and a webmail whose minimum level is mfa (the default)."""
    actors.user(phone=ALICE_PHONE)
    return actors.rp(min_acr="mfa")


def test_the_screen_offers_email_sms_and_google_authenticator_with_email_chosen(client, actors,
                                                                                 rp):
    page, _ = start(client, actors, rp)
    assert "Authentification à deux facteurs :" in shown(page)
    for value, label in (("email", "Email"), ("sms", "SMS"), ("totp", "Google Authenticator")):
        assert f'value="{value}"' in page.text and label in page.text
    assert re.search(r'value="email"\s+checked', page.text)
    assert 'placeholder="org.prenom.nom@nom de domaine"' in page.text


def test_a_person_signs_in_with_the_code_sent_to_the_notification_email(client, actors, rp,
                                                                        mail_catcher):
    page, verifier = start(client, actors, rp)
    screen = code_page(client, password_step(client, page, "email"))

    [mail] = mail_catcher.messages("email")
    assert mail["to"] == [ALICE_NOTIFICATIONS]  # never the MSSanté address
    assert mail["subject"] == "Connexion à votre compte MSSanté"
    assert f"Pour vous connecter sur votre compte MSSanté {ALICE} veuillez saisir le code " \
           "suivant :" in mail["text"]
    assert "Cordialement,\nLe serveur MSSPRO" in mail["text"]
    assert latest_code(mail_catcher) in mail["html"]

    query = finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)
    claims = id_token_of(client, actors, rp, query, verifier)
    assert claims["acr"] == "mfa"
    assert claims["amr"] == ["pwd", "otp", "mfa"]


def test_a_person_signs_in_with_a_code_by_sms(client, actors, rp, mail_catcher):
    page, verifier = start(client, actors, rp)
    screen = code_page(client, password_step(client, page, "sms"))
    [sms] = mail_catcher.messages("sms")
    assert sms["to"] == ALICE_PHONE and "code" in sms["body"]
    query = finish(client, type_code(client, screen, latest_code(mail_catcher, "sms")), rp)
    claims = id_token_of(client, actors, rp, query, verifier)
    assert claims["amr"] == ["pwd", "sms", "mfa"]
    with client.application.app_context():
        record = db.session.scalar(db.select(Delivery))
        assert (record.channel, record.status) == ("sms", "accepted")
        assert record.destination != ALICE_PHONE and record.destination.endswith("44")


def test_a_missing_mobile_number_is_explained_not_failed(client, actors, mail_catcher):
    actors.user()
    rp = actors.rp(min_acr="mfa")
    page, _ = start(client, actors, rp)
    response = password_step(client, page, "sms")
    assert response.status_code == 200
    assert "Aucun numéro de mobile : demandez à votre référent MSSanté" in shown(response)
    assert mail_catcher.messages() == []
    screen = code_page(client, post_form(client, response, "/factor", factor="email"))
    assert screen.status_code == 200


def test_google_authenticator_not_set_up_is_explained(client, actors, rp):
    page, _ = start(client, actors, rp)
    response = password_step(client, page, "totp")
    assert response.status_code == 200
    assert "Google Authenticator n'est pas activé pour ce compte" in shown(response)


def test_a_wrong_code_then_the_right_one(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    code = latest_code(mail_catcher)
    wrong = type_code(client, screen, "000000" if code != "000000" else "111111")
    assert wrong.status_code == 200
    assert "Code incorrect. Il vous reste 4 essai(s)." in shown(wrong)
    finish(client, type_code(client, wrong, code), rp)


def test_five_wrong_codes_end_the_challenge(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    code = latest_code(mail_catcher)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        answer = type_code(client, screen, wrong)
    assert "Trop d'essais" in shown(answer)
    again = type_code(client, screen, code)
    assert again.status_code == 200 and "n'est plus valable" in shown(again)


def test_a_code_works_once(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    code = latest_code(mail_catcher)
    finish(client, type_code(client, screen, code), rp)
    replay = type_code(client, screen, code)
    assert replay.status_code == 400  # the request was answered; nothing more to sign in to


def test_an_expired_code_is_refused(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    with client.application.app_context():
        db.session.execute(db.update(OtpChallenge).values(expires_at=OtpChallenge.created_at))
        db.session.commit()
    answer = type_code(client, screen, latest_code(mail_catcher))
    assert "Ce code a expiré" in shown(answer)


def test_the_code_step_cannot_be_reached_without_the_password_step(client, app, actors, rp):
    page, _ = start(client, actors, rp)
    uid = page.request.path.rsplit("/", 1)[1]
    assert client.get(f"/interaction/{uid}/code").status_code == 400
    other_browser = app.test_client()
    password_step(client, page)
    assert other_browser.get(f"/interaction/{uid}/code").status_code == 400


def test_a_new_code_supersedes_the_previous_one(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    first = latest_code(mail_catcher)
    screen = code_page(client, ask_again(client, screen))
    second = latest_code(mail_catcher)
    assert len(mail_catcher.messages("email")) == 2
    with client.application.app_context():
        reasons = db.session.scalars(db.select(OtpChallenge.end_reason).order_by(OtpChallenge.id))
        assert list(reasons) == ["superseded", None]
    if first != second:
        assert "Code incorrect" in shown(type_code(client, screen, first))
    finish(client, type_code(client, screen, second), rp)


def test_a_password_step_in_another_browser_supersedes_the_open_code(app, client, actors, rp,
                                                                    mail_catcher):
    page, _ = start(client, actors, rp)
    first_screen = code_page(client, password_step(client, page))
    first = latest_code(mail_catcher)
    other_browser = app.test_client()
    other_page, _ = start(other_browser, actors, rp)
    second_screen = code_page(other_browser, password_step(other_browser, other_page))
    second = latest_code(mail_catcher)

    refused = type_code(client, first_screen, first)
    assert "Ce code n'est plus valable. Demandez un nouveau code." in shown(refused)
    assert live_sessions(app) == 0
    finish(other_browser, type_code(other_browser, second_screen, second), rp)
    assert live_sessions(app) == 1
    with app.app_context():
        reasons = db.session.scalars(db.select(OtpChallenge.end_reason).order_by(OtpChallenge.id))
        assert list(reasons) == ["superseded", "used"]


def test_asking_the_code_again_waits_for_the_cooldown(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    too_soon = post_form(client, screen, "/resend")
    assert "Veuillez patienter" in shown(too_soon)
    assert len(mail_catcher.messages()) == 1
    with client.application.app_context():
        db.session.execute(db.update(OtpChallenge).values(
            sent_at=utcnow() - timedelta(seconds=31)))
        db.session.commit()
    resent = post_form(client, screen, "/resend")
    assert "Un nouveau code vous a été envoyé." in shown(resent)
    assert len(mail_catcher.messages()) == 2
    finish(client, type_code(client, resent, latest_code(mail_catcher)), rp)


def test_refreshing_the_code_page_sends_nothing(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    response = password_step(client, page, "sms")
    for _ in range(3):
        code_page(client, response)
    assert len(mail_catcher.messages("sms")) == 1


def test_a_failed_sms_is_explained_and_another_factor_can_be_chosen(client, actors,
                                                                   mail_catcher):
    actors.user(phone="+33600000001")  # the catcher answers a Twilio error for this number
    rp = actors.rp(min_acr="mfa")
    page, _ = start(client, actors, rp)
    response = password_step(client, page, "sms")
    assert response.status_code == 200
    assert "L'envoi du code par SMS a échoué" in shown(response)
    with client.application.app_context():
        record = db.session.scalar(db.select(Delivery))
        assert record.status == "failed" and "21211" in record.reason
    screen = code_page(client, post_form(client, response, "/factor", factor="email"))
    finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)


def test_step_up_asks_only_the_second_factor_and_keeps_the_session(client, actors,
                                                                   mail_catcher):
    actors.user()
    light = actors.rp(min_acr="pwd", name="Annuaire")
    strong = actors.rp(min_acr="mfa", name="Webmail")
    actors.sign_in(client, light)
    with client.application.app_context():
        sid = db.session.scalar(db.select(SsoSession.sid))
    page, verifier = start(client, actors, strong)
    assert 'name="password"' not in page.text
    screen = code_page(client, post_form(client, page, "/factor", factor="email"))
    query = finish(client, type_code(client, screen, latest_code(mail_catcher)), strong)
    claims = id_token_of(client, actors, strong, query, verifier)
    assert (claims["acr"], claims["amr"], claims["sid"]) == ("mfa", ["pwd", "otp", "mfa"], sid)


def test_an_app_content_with_the_password_shows_no_factor_choice(client, actors):
    actors.user()
    rp = actors.rp(min_acr="pwd")
    page, _ = start(client, actors, rp)
    assert "Authentification à deux facteurs" not in page.text


def test_at_most_ten_codes_an_hour(client, actors, rp, mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    for _ in range(9):
        screen = code_page(client, ask_again(client, screen))
    refused = ask_again(client, screen)
    assert "Trop de codes ont été envoyés" in shown(refused)
    assert len(mail_catcher.messages()) == 10


def test_links_and_notices_do_not_count_against_the_hourly_cap_of_codes(client, app, actors,
                                                                        rp, mail_catcher):
    with app.app_context():
        alice = db.session.scalar(db.select(User).where(User.email == ALICE))
        db.session.add_all(Delivery(user_id=alice.id, channel="email", destination="a***@e***",
                                    status="sent") for _ in range(10))  # e.g. password links
        db.session.commit()
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    assert latest_code(mail_catcher) and screen.status_code == 200


def test_repeated_wrong_codes_delay_the_code_step_but_not_the_password(client, actors, rp,
                                                                       mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    for _ in range(2):  # two challenges of five wrong codes each
        code = latest_code(mail_catcher)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            type_code(client, screen, wrong)
        screen = code_page(client, ask_again(client, screen))
    blocked = type_code(client, screen, latest_code(mail_catcher))
    assert "Trop de codes erronés. Réessayez dans" in shown(blocked)
    fresh, _ = start(client, actors, rp)
    assert password_step(client, fresh).status_code == 302  # the password still works


def test_max_age_passed_asks_only_the_second_factor_again(client, app, actors, rp,
                                                          mail_catcher):
    """An mfa session older than max_age: a fresh code, not the password; same sid, new
    auth_time."""
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)
    long_ago = utcnow().replace(microsecond=0) - timedelta(minutes=10)
    with app.app_context():
        sid = db.session.scalar(db.select(SsoSession.sid))
        db.session.execute(db.update(SsoSession).values(auth_time=long_ago))
        db.session.commit()

    again, verifier = start(client, actors, rp, max_age="300")

    assert 'name="password"' not in again.text and 'name="factor"' in again.text
    screen = code_page(client, post_form(client, again, "/factor", factor="email"))
    query = finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)
    claims = id_token_of(client, actors, rp, query, verifier)
    assert (claims["acr"], claims["sid"]) == ("mfa", sid)
    assert claims["auth_time"] > long_ago.replace(tzinfo=UTC).timestamp() + 500


def test_prompt_login_asks_for_the_password_and_the_code_again(client, actors, rp,
                                                               mail_catcher):
    page, _ = start(client, actors, rp)
    screen = code_page(client, password_step(client, page))
    finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)
    again, verifier = start(client, actors, rp, prompt="login")
    assert 'name="password"' in again.text  # everything again, not only the code
    screen = code_page(client, password_step(client, again))
    query = finish(client, type_code(client, screen, latest_code(mail_catcher)), rp)
    assert id_token_of(client, actors, rp, query, verifier)["acr"] == "mfa"


def test_an_smtp_server_down_is_explained_and_another_factor_can_be_chosen(client, app, actors,
                                                                           rp, mail_catcher,
                                                                           unused_port):
    page, _ = start(client, actors, rp)
    with app_settings(app, MAIL_PORT=unused_port):
        response = password_step(client, page, "email")
    assert response.status_code == 200
    assert "L'envoi du code par e-mail a échoué" in shown(response)
    with app.app_context():
        record = db.session.scalar(db.select(Delivery))
        assert record.status == "failed" and record.reason
    screen = code_page(client, post_form(client, response, "/factor", factor="sms"))
    finish(client, type_code(client, screen, latest_code(mail_catcher, "sms")), rp)
