"""SMS channel: a ``Message`` sent through the twilio library, to Twilio or a compatible API."""

from __future__ import annotations

import requests
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .channel import DeliveryFailed, Message, Sent


class TwilioChannel:
    """Sends SMS with the Twilio REST API; ``base_url`` (when not empty) replaces Twilio's own
    address, so that tests and the demo talk to a local Twilio-compatible endpoint."""

    name = "sms"

    def __init__(self, account_sid: str, auth_token: str, sender: str, *, base_url: str = "",
                 timeout: float):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.sender = sender
        self.base_url = base_url
        self.timeout = timeout

    def send(self, message: Message) -> Sent:
        """Ask the provider to send the SMS; raise DeliveryFailed when it answers an error or
        does not answer in time."""
        http_client = TwilioHttpClient(timeout=self.timeout)
        client = Client(self.account_sid, self.auth_token, http_client=http_client)
        if self.base_url:
            client.api.base_url = self.base_url
        try:
            sms = client.api.account.messages.create(to=message.to, from_=self.sender,
                                                     body=message.text)
        except TwilioRestException as error:
            raise DeliveryFailed(_twilio_reason(error.code, error.msg)) from error
        except TwilioServiceException as error:
            raise DeliveryFailed(_twilio_reason(error.code, error.title)) from error
        except requests.Timeout as error:
            raise DeliveryFailed("Twilio timeout") from error
        except requests.RequestException as error:
            raise DeliveryFailed("Twilio unreachable") from error
        finally:
            http_client.session.close()  # no idle connection left behind
        return Sent("accepted", provider_id=sms.sid)


def _twilio_reason(code: int | None, text: str) -> str:
    """'Twilio 21211 The 'To' number is not a valid phone number.': code and explanation."""
    explanation = text.split(": ", 1)[-1]  # drop the library's "Unable to create record: "
    return f"Twilio {code} {explanation}".strip()[:255]
