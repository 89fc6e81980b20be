"""The sign-in screens: who may use them (this browser, this request, once, before it expires,
with a CSRF token), what a person sees when the password is wrong or when cancelling, and the
single sign-on session they leave behind (renewed cookie, idle and absolute limits)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from idp.extensions import db
from idp.models import AuthorizationRequest, Client, SsoSession, User
from idp.models.base import utcnow

from ..helpers import PASSWORD, Actors, csrf_token, query_of

ALICE = "alice.martin@chu-test.mssante.fr"
BOB = "bob.durand@chu-test.mssante.fr"
ISSUER = "http://localhost"
LOGIN_FAILED = "Identifiant ou mot de passe incorrect."
COOKIE = "idp_session"


@pytest.fixture
def rp(actors):
    """Alice, and the operator's webmail (password is enough)."""
    actors.user()
    return actors.rp()


def start(browser, rp, **extra):
    """Send the app's authorization request; returns (params, redirect to the screens)."""
    params = Actors.auth_params(rp, **extra)
    response = browser.get("/authorize", query_string=params)
    assert response.status_code == 302 and response.headers["Location"].startswith(
        "/interaction/"), response.text[:300]
    return params, response.headers["Location"]


def post_login(browser, screen, username=ALICE, password=PASSWORD, token=None):
    """Submit the sign-in form of the screen at ``screen`` (its CSRF token unless given)."""
    if token is None:
        token = csrf_token(browser.get(screen).text)
    return browser.post(f"{screen}/login", data={
        "username": username, "password": password, "csrf_token": token})


def silent(browser, rp):
    """What the app gets for a prompt=none request: a code, or login_required."""
    response = browser.get("/authorize", query_string=Actors.auth_params(rp, prompt="none"))
    query = query_of(response.headers["Location"])
    return "code" if "code" in query else query["error"]


def move_times(app, model, **ago: timedelta) -> None:
    """Move timestamp columns of every row of ``model`` into the past."""
    with app.app_context():
        db.session.execute(update(model).values({k: utcnow() - v for k, v in ago.items()}))
        db.session.commit()


def test_the_sign_in_screen_names_the_app_and_asks_username_and_password(client, rp):
    """The screen says which app the person signs in to and offers to cancel."""
    _, screen = start(client, rp)
    page = client.get(screen)
    assert page.status_code == 200 and "« Webmail »" in page.text
    for field in ('name="username"', 'name="password"', 'name="csrf_token"', "Annuler"):
        assert field in page.text


def test_login_hint_pre_fills_the_username_field(client, rp):
    """The app's login_hint is put in the username field, escaped, ready for the password."""
    _, screen = start(client, rp, login_hint=ALICE)
    assert f'value="{ALICE}"' in client.get(screen).text
    _, screen = start(client, rp, login_hint='x"><script>alert(1)</script>')
    page = client.get(screen).text
    assert "<script>alert" not in page and 'value="x&#34;&gt;&lt;script&gt;' in page


def test_a_wrong_password_and_an_unknown_user_get_the_same_message(app, client, rp):
    """Whether the account exists, is disabled, or the password is wrong, the screen says the
    same thing, so nobody can find out which addresses have an account."""
    Actors(app).user(BOB, name="Bob Durand", notification_email="bob@example.org")
    with app.app_context():
        db.session.execute(update(User).where(User.email == BOB)
                           .values(status="disabled"))
        db.session.commit()
    _, screen = start(client, rp)
    pages = []
    for username, password in ((ALICE, "wrong password!!"), ("nobody@chu-test.mssante.fr",
                                                            PASSWORD), (BOB, PASSWORD)):
        response = post_login(client, screen, username, password)
        assert response.status_code == 200 and LOGIN_FAILED in response.text
        pages.append(re.sub(r'value="[^"]*"', "", response.text))
    assert pages[0] == pages[1] == pages[2]
    assert silent(client, rp) == "login_required"


def test_the_screen_of_another_browser_is_refused(app, client, rp):
    """A sign-in link opened in another browser cannot be used there."""
    _, screen = start(client, rp)
    other = app.test_client()
    _, own_screen = start(other, rp)
    token = csrf_token(other.get(own_screen).text)
    assert other.get(screen).status_code == 400
    assert post_login(other, screen, token=token).status_code == 400
    assert other.get(screen.replace("/interaction/", "/authorize/resume/")).status_code == 400
    assert silent(other, rp) == "login_required"
    assert post_login(client, screen).status_code == 302


def test_an_expired_sign_in_request_is_refused(app, client, rp):
    """A request left waiting past its lifetime cannot be continued; the person is told, in
    French, to go back to the app and start again."""
    _, screen = start(client, rp)
    token = csrf_token(client.get(screen).text)
    move_times(app, AuthorizationRequest, expires_at=timedelta(seconds=1))
    page = client.get(screen)
    assert page.status_code == 400 and "Cette demande de connexion a expiré" in page.text
    assert post_login(client, screen, token=token).status_code == 400
    assert silent(client, rp) == "login_required"


@pytest.mark.parametrize("uid", ["unknown", "x" * 65, "%00", "é"])
def test_an_unknown_sign_in_request_is_refused(client, uid):
    """Made-up request identifiers lead to an error page."""
    assert client.get(f"/interaction/{uid}").status_code == 400
    assert client.get(f"/authorize/resume/{uid}").status_code == 400


def test_a_resume_link_replayed_after_completion_issues_nothing(client, rp):
    """Once the app has its code, going back to the resume link gives an error page only."""
    _, screen = start(client, rp)
    resume = post_login(client, screen).headers["Location"]
    assert "code" in query_of(client.get(resume).headers["Location"])
    again = client.get(resume)
    assert again.status_code == 400 and "Location" not in again.headers
    assert "expiré ou a déjà été utilisée" in again.text


@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_a_form_posted_without_a_valid_csrf_token_is_refused(client, rp, token):
    """Sign-in and cancel forms without their CSRF token are refused and change nothing."""
    params, screen = start(client, rp)
    client.get(screen)
    data = {"username": ALICE, "password": PASSWORD}
    if token is not None:
        data["csrf_token"] = token
    assert client.post(f"{screen}/login", data=data).status_code == 400
    assert client.post(f"{screen}/abort", data=data).status_code == 400
    assert silent(client, rp) == "login_required"
    assert post_login(client, screen).status_code == 302


def test_a_person_who_cancels_returns_to_the_app_with_access_denied(client, rp):
    """« Annuler » sends the person back to the app with access_denied, its state and iss."""
    params, screen = start(client, rp)
    token = csrf_token(client.get(screen).text)
    resume = client.post(f"{screen}/abort", data={"csrf_token": token})
    answer = client.get(resume.headers["Location"])
    assert answer.headers["Location"].startswith(rp.redirect_uri + "?")
    assert query_of(answer.headers["Location"]) == {
        "error": "access_denied", "state": params["state"], "iss": ISSUER}
    assert client.get(resume.headers["Location"]).status_code == 400
    assert client.get(screen).status_code == 400


def test_signing_in_gives_the_browser_a_new_session(app, client, rp):
    """The cookie changes at each sign-in and the previous one no longer opens the session."""
    _, screen = start(client, rp)
    client.get(screen)
    before = client.get_cookie(COOKIE).value
    post_login(client, screen)
    first = client.get_cookie(COOKIE).value
    assert first != before
    _, screen = start(client, rp, prompt="login")
    post_login(client, screen)
    second = client.get_cookie(COOKIE).value
    assert second != first
    stolen = app.test_client()
    stolen.set_cookie(COOKIE, first)
    assert silent(stolen, rp) == "login_required"
    assert silent(client, rp) == "code"


def test_the_session_cookie_is_http_only_and_same_site_lax(client, rp):
    """Scripts cannot read the session cookie and other sites cannot send it on a POST."""
    _, screen = start(client, rp)
    response = post_login(client, screen)
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(COOKIE))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_screens_cannot_be_framed(client, rp):
    """Sign-in and error pages forbid framing (clickjacking) and only post to the provider."""
    _, screen = start(client, rp)
    for response in (client.get(screen), post_login(client, screen, password="wrong!!"),
                     client.get("/interaction/unknown")):
        csp = response.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp


def test_a_signed_in_person_is_not_asked_again(client, actors, rp):
    """Within the session, the next authorization, even for another app, needs no screen."""
    actors.sign_in(client, rp)
    assert silent(client, rp) == "code"
    assert silent(client, actors.rp(name="Agenda")) == "code"


@pytest.mark.parametrize(("idle", "alive"), [(timedelta(minutes=29), True),
                                             (timedelta(minutes=31), False)])
def test_a_session_unused_for_thirty_minutes_ends(app, client, actors, rp, idle, alive):
    """After 30 minutes without activity the person must sign in again."""
    actors.sign_in(client, rp)
    move_times(app, SsoSession, last_seen_at=idle)
    assert silent(client, rp) == ("code" if alive else "login_required")
    with app.app_context():
        assert (db.session.scalar(db.select(SsoSession)).ended_at is None) is alive


@pytest.mark.parametrize(("age", "alive"), [(timedelta(hours=11, minutes=59), True),
                                            (timedelta(hours=12, minutes=1), False)])
def test_a_session_ends_twelve_hours_after_sign_in_even_when_used(app, client, actors, rp, age,
                                                                  alive):
    """However active the person is, the session ends 12 hours after signing in."""
    actors.sign_in(client, rp)
    move_times(app, SsoSession, created_at=age, auth_time=age)
    assert silent(client, rp) == ("code" if alive else "login_required")


def test_the_absolute_limit_counts_from_the_first_sign_in(app, client, actors, rp, monkeypatch):
    """Signing in again within a session does not restart its 12-hour clock."""
    actors.sign_in(client, rp)
    move_times(app, SsoSession, created_at=timedelta(hours=2), auth_time=timedelta(hours=2))
    _, screen = start(client, rp, prompt="login")
    client.get(post_login(client, screen).headers["Location"])
    monkeypatch.setitem(app.config, "SESSION_ABSOLUTE_SECONDS", 3600)
    assert silent(client, rp) == "login_required"


def test_a_person_whose_account_is_disabled_loses_the_session(app, client, actors, rp):
    """Disabling an account ends its session at the next request."""
    actors.sign_in(client, rp)
    with app.app_context():
        db.session.execute(update(User).values(status="disabled"))
        db.session.commit()
    assert silent(client, rp) == "login_required"


def test_an_app_disabled_during_the_sign_in_receives_nothing(app, client, rp):
    """If the app is disabled while the person signs in, the journey ends on an error page."""
    _, screen = start(client, rp)
    resume = post_login(client, screen).headers["Location"]
    with app.app_context():
        db.session.execute(update(Client).values(disabled=True))
        db.session.commit()
    response = client.get(resume)
    assert response.status_code == 400 and "Location" not in response.headers
