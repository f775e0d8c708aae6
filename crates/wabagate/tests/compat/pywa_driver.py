"""Drives the real pywa library (PyPI) through a wabagate gateway in front of the sandbox.

Run by `crates/wabagate/tests/compat/main.rs`, which starts `wabagate serve --demo` and passes
what it needs in the environment:

    PYWA_GATEWAY      http://127.0.0.1:PORT/whatsapp-business  (the base URL pywa is given)
    PYWA_API_KEY      the wabagate API key, used as pywa's access token
    PYWA_SANDBOX      the sandbox's own origin (for /__sandbox/... control calls only)
    PYWA_PHONE_ID     the demo business phone number id
    PYWA_WABA_ID      the demo WABA id
    PYWA_APP_ID       the demo Meta app id
    PYWA_APP_SECRET   the demo app secret (the sandbox signs webhooks with it)

Every `WhatsApp` method that calls the Graph API is run once, in an order where each can use
what the previous ones made (a media id, a template id, a flow id, ...), except those in
SKIPPED. The results are printed as one JSON object on stdout:

    {"operations": {name: {"ok": true} | {"ok": false, "error", "requests": [...]}},
     "skipped": {name: reason},
     "webhooks": [{"field", "shape", "expected", "handled_by", "ok", "error"}]}

Nothing here talks to any host but 127.0.0.1: requests pywa addresses to Meta's Graph API
hosts are sent to the gateway instead, and any other host is refused.
"""

from __future__ import annotations

import datetime
import http.server
import json
import logging
import os
import sys
import threading
import time
import traceback
import urllib.parse
import urllib.request

import httpx
from pywa import WhatsApp, handlers, types, utils
from pywa.types import templates as tpl
from pywa.types.flows import FlowCategory, FlowMetricGranularity, FlowMetricName
from pywa.types.others import Command, Contact, ProductsSection

GATEWAY = os.environ["PYWA_GATEWAY"].rstrip("/")
API_KEY = os.environ["PYWA_API_KEY"]
SANDBOX = os.environ["PYWA_SANDBOX"].rstrip("/")
PHONE_ID = os.environ["PYWA_PHONE_ID"]
WABA_ID = os.environ["PYWA_WABA_ID"]
APP_ID = os.environ["PYWA_APP_ID"]
APP_SECRET = os.environ["PYWA_APP_SECRET"]

# A demo customer whose 24-hour service window is open (the sandbox's seed).
CUSTOMER = "15551234567"
VERIFY_TOKEN = "pywa-compat-verify"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}

# Operations not run, and why: Meta would refuse them too, or they need a real device.
SKIPPED = {
    "verify_phone_number": "needs the code Meta sends to the real phone by SMS or voice",
    "accept_call": "needs a call placed by a real WhatsApp user (its call id and WebRTC SDP offer)",
    "pre_accept_call": "needs a call placed by a real WhatsApp user (its call id and WebRTC SDP offer)",
    "reject_call": "needs a call placed by a real WhatsApp user (its call id)",
    "migrate_templates": "needs a second WABA of the same business to migrate from; Meta refuses a WABA as its own source",
    "migrate_flows": "needs a second WABA of the same business to migrate from; Meta refuses a WABA as its own source",
    "approve_group_join_requests": "needs a join request made by a real WhatsApp user through the invite link",
    "reject_group_join_requests": "needs a join request made by a real WhatsApp user through the invite link",
    "remove_group_participants": "needs a participant who joined the group from a real WhatsApp account",
    "send_catalog": "Meta refuses catalog messages without a catalog connected to the WABA, and the demo business has none",
    "send_product": "Meta refuses product messages without a catalog connected to the WABA, and the demo business has none",
    "send_products": "Meta refuses product messages without a catalog connected to the WABA, and the demo business has none",
    "initiate_call": "Meta refuses a business-initiated call without the call permission a real user grants on their device",
    "terminate_call": "needs a call in progress, i.e. one a real user accepted",
    "get_blocked_users": "a pywa 4.5 bug: it reads each listed user's `input`, which only POST/DELETE block_users answers carry; Meta's GET lists {messaging_product, wa_id} (OpenAPI BlockedUser)",
    "upsert_authentication_template": "a pywa 4.5 bug: it posts the template as a JSON-encoded string (`json=Template.to_json()`, where create_template decodes it first), a body that is no object, so Graph finds no `name`",
    "get_groups": "a pywa 4.5 bug: it iterates `data` as a list of full groups, where Meta answers `data: {groups: [{id, subject, created_at}]}` (OpenAPI GET /{Phone-Number-ID}/groups)",
    "get_signups": "a pywa 4.5 bug: it asks for the field `message` and reads `signup_message`, so no answer satisfies it",
    "get_signup": "a pywa 4.5 bug: it reads `signup_message` from a sign-up link whose field is `message` (as pywa's own field list has it)",
    "get_call_permissions": "a pywa 4.5 bug: the client passes GraphAPI.get_call_permissions either user_wa_id or recipient, and it requires both (TypeError before any request)",
}

# `WhatsApp` methods that are not Graph API calls (webhook server, handlers, listeners).
NOT_GRAPH_CALLS = {
    "add_flow_request_handler", "add_handlers", "get_flow_request_handler", "listen",
    "load_handlers_modules", "remove_callbacks", "remove_handlers", "run", "stop_listening",
    "webhook_challenge_handler", "webhook_update_handler", "webhook_update_validator",
}


class GatewayTransport(httpx.BaseTransport):
    """Sends what pywa addresses to graph.facebook.com to the gateway; refuses other hosts
    but loopback; keeps a log of each request and its answer."""

    def __init__(self) -> None:
        self._inner = httpx.HTTPTransport()
        self._gateway = httpx.URL(GATEWAY)
        self.log: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        # pywa sends most calls to graph.facebook.com/vXX.X, and template archiving to
        # api.facebook.com (unversioned): both are Meta's Graph API.
        if request.url.host in ("graph.facebook.com", "api.facebook.com"):
            request.url = request.url.copy_with(
                scheme=self._gateway.scheme,
                host=self._gateway.host,
                port=self._gateway.port,
                raw_path=self._gateway.raw_path.rstrip(b"/") + request.url.raw_path,
            )
            request.headers["Host"] = f"{self._gateway.host}:{self._gateway.port}"
        if request.url.host not in LOOPBACK:
            raise httpx.ConnectError(f"refused to leave the machine: {request.url.host}")
        response = self._inner.handle_request(request)
        entry = {"method": request.method, "path": request.url.raw_path.decode()}
        entry["status"] = response.status_code
        if response.status_code >= 400:
            response.read()
            entry["answer"] = response.text[:600]
        self.log.append(entry)
        return response


def sandbox(method: str, path: str, body: dict | None = None) -> dict:
    """A control call to the sandbox itself (standing in for a person or the App Dashboard)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{SANDBOX}{path}", data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.loads(answer.read() or b"{}")


# === Webhooks: a receiver the sandbox delivers to ===

class Receiver(http.server.BaseHTTPRequestHandler):
    received: list[tuple[bytes, str | None]] = []

    def do_GET(self) -> None:  # the verification handshake
        query = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        ok = query.get("hub.verify_token") == [VERIFY_TOKEN]
        body = (query.get("hub.challenge", [""])[0] if ok else "forbidden").encode()
        self.send_response(200 if ok else 403)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        Receiver.received.append((body, self.headers.get("X-Hub-Signature-256")))
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


def start_receiver() -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# === The operations ===

def png_bytes() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n" + b"compat " * 500 + b"\n%%EOF\n"


PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo
4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u
+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh
kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ
0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg
cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc
mwIDAQAB
-----END PUBLIC KEY-----"""

FLOW_JSON = {
    "version": "7.0",
    "screens": [
        {
            "id": "WELCOME",
            "title": "Welcome",
            "terminal": True,
            "layout": {
                "type": "SingleColumnLayout",
                "children": [
                    {"type": "TextBody", "text": "Hello from the compatibility test"},
                    {"type": "Footer", "label": "Done", "on-click-action": {"name": "complete", "payload": {}}},
                ],
            },
        }
    ],
}


def operations(wa: WhatsApp, made: dict) -> list[tuple[str, callable]]:
    """Each Graph-calling `WhatsApp` method, in an order where later ones use what earlier
    ones made (kept in `made`)."""

    def keep(name):
        def store(value):
            made[name] = value
            return value
        return store

    def inbound(message: dict) -> str:
        return sandbox("POST", "/__sandbox/inbound", {"from": CUSTOMER, "message": message})["id"]

    template_name = f"compat_{int(time.time())}"
    return [
        # Messages
        ("send_text", lambda: keep("text")(wa.send_text(CUSTOMER, "Hello from pywa"))),
        ("send_message", lambda: wa.send_message(CUSTOMER, "Choose", buttons=[types.Button("Yes", "yes"), types.Button("No", "no")])),
        ("send_image", lambda: wa.send_image(CUSTOMER, png_bytes(), caption="An image", mime_type="image/png")),
        ("send_video", lambda: wa.send_video(CUSTOMER, b"\x00\x00\x00\x18ftypmp42" + bytes(2048), mime_type="video/mp4")),
        ("send_audio", lambda: wa.send_audio(CUSTOMER, b"ID3" + bytes(2048), mime_type="audio/mpeg")),
        ("send_voice", lambda: wa.send_voice(CUSTOMER, b"OggS" + bytes(2048), mime_type="audio/ogg")),
        ("send_document", lambda: wa.send_document(CUSTOMER, pdf_bytes(), filename="report.pdf", caption="A document", mime_type="application/pdf")),
        ("send_sticker", lambda: wa.send_sticker(CUSTOMER, b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(2048), mime_type="image/webp")),
        ("send_location", lambda: wa.send_location(CUSTOMER, 37.4847, -122.1477, name="HQ", address="1 Hacker Way")),
        ("send_contact", lambda: wa.send_contact(CUSTOMER, Contact(name=Contact.Name(formatted_name="Sam Sample", first_name="Sam"), phones=[Contact.Phone(phone="+15551234567", type="CELL")]))),
        ("send_reaction", lambda: wa.send_reaction(CUSTOMER, "\N{THUMBS UP SIGN}", made["text"].id)),
        ("remove_reaction", lambda: wa.remove_reaction(CUSTOMER, made["text"].id)),
        ("request_location", lambda: wa.request_location(CUSTOMER, "Where are you?")),
        ("request_contact_info", lambda: wa.request_contact_info(CUSTOMER, "May we have your contact info?")),
        ("mark_message_as_read", lambda: wa.mark_message_as_read(inbound({"type": "text", "text": {"body": "hi"}}))),
        ("indicate_typing", lambda: wa.indicate_typing(inbound({"type": "text", "text": {"body": "still there?"}}))),
        # Media
        ("upload_media", lambda: keep("media_id")(wa.upload_media(png_bytes(), mime_type="image/png", filename="logo.png").id)),
        ("send_carousel", lambda: wa.send_carousel(CUSTOMER, body="Cards", cards=[
            types.ImageCarouselCard(image=made["media_id"], body=f"Card {n}", buttons=types.URLButton("Open", f"https://example.com/{n}"))
            for n in (1, 2)])),
        ("get_media_url", lambda: keep("media_url")(wa.get_media_url(made["media_id"]))),
        ("get_media_bytes", lambda: check(wa.get_media_bytes(made["media_url"].url) == png_bytes(), "the bytes differ")),
        ("stream_media", lambda: check(b"".join(wa.stream_media(made["media_url"].url)) == png_bytes(), "the bytes differ")),
        ("download_media", lambda: check(wa.download_media(url=made["media_url"].url, path=os.environ.get("PYWA_TMP", "/tmp"), filename="compat.png").read_bytes() == png_bytes(), "the bytes differ")),
        ("delete_media", lambda: wa.delete_media(made["media_id"])),
        # Templates
        ("create_template", lambda: keep("template")(wa.create_template(tpl.Template(
            name=template_name, language=tpl.TemplateLanguage.ENGLISH_US, category=tpl.TemplateCategory.UTILITY,
            components=[tpl.HeaderText("Order update"), tpl.BodyText("Your order {{1}} has shipped.", "A-1"), tpl.FooterText(text="Thanks"),
                        tpl.Buttons(buttons=[tpl.QuickReplyButton(text="Track"), tpl.URLButton(text="Open", url="https://example.com/orders")])],
        )))),
        ("get_templates", lambda: wa.get_templates()),
        ("get_template", lambda: wa.get_template(made["template"].id)),
        ("send_template", lambda: wa.send_template(CUSTOMER, "hello_world", tpl.TemplateLanguage.ENGLISH_US)),
        # Meta edits only reviewed templates: let the sandbox's review delay pass first.
        ("update_template", lambda: review_passes() or wa.update_template(made["template"].id, new_components=[tpl.BodyText("Your order {{1}} is on its way.", "A-1")])),
        ("compare_templates", lambda: wa.compare_templates(made["template"].id, made["template"].id, start=datetime.datetime.now() - datetime.timedelta(days=7), end=datetime.datetime.now())),
        ("archive_templates", lambda: wa.archive_templates([made["template"].id])),
        ("unarchive_templates", lambda: wa.unarchive_templates([made["template"].id])),
        ("unpause_template", lambda: wa.unpause_template(made["template"].id)),
        ("delete_template", lambda: wa.delete_template(template_name, template_id=made["template"].id)),
        # Phone numbers and the business account
        ("get_business_phone_number", lambda: wa.get_business_phone_number()),
        ("get_business_phone_numbers", lambda: wa.get_business_phone_numbers()),
        ("get_business_phone_number_settings", lambda: wa.get_business_phone_number_settings()),
        ("update_business_phone_number_settings", lambda: wa.update_business_phone_number_settings(calling=types.calls.CallingSettings(status=types.calls.CallingSettingsStatus.ENABLED))),
        ("update_conversational_automation", lambda: wa.update_conversational_automation(ice_breakers=["Hi!"], commands=[Command("help", "Get help")])),
        ("update_display_name", lambda: wa.update_display_name("Compat Test Co")),
        ("request_verification_code", lambda: wa.request_verification_code(code_method="SMS", language_code="en_US")),
        ("create_phone_number", lambda: wa.create_phone_number(country_calling_code="1", phone_number="5550009999", verified_name="Compat Test Co")),
        ("set_business_public_key", lambda: wa.set_business_public_key(PUBLIC_KEY)),
        ("get_business_account", lambda: wa.get_business_account()),
        ("update_business_account_settings", lambda: wa.update_business_account_settings(disable_marketing_messages_on_cloud_api=False)),
        ("get_owned_business_accounts", lambda: wa.get_owned_business_accounts(business_portfolio_id="1000000000000010")),
        ("get_shared_business_accounts", lambda: wa.get_shared_business_accounts(business_portfolio_id="1000000000000010")),
        ("get_current_username", lambda: wa.get_current_username()),
        ("get_reserved_usernames", lambda: wa.get_reserved_usernames()),
        ("set_username", lambda: wa.set_username("compattestco")),
        ("delete_username", lambda: wa.delete_username()),
        # Business profile
        ("get_business_profile", lambda: wa.get_business_profile()),
        ("update_business_profile", lambda: wa.update_business_profile(about="Compatibility tested", profile_picture=png_bytes())),
        # Commerce
        ("get_commerce_settings", lambda: wa.get_commerce_settings()),
        ("update_commerce_settings", lambda: wa.update_commerce_settings(is_catalog_visible=True, is_cart_enabled=True)),
        # Blocking
        ("block_users", lambda: wa.block_users([CUSTOMER])),
        ("unblock_users", lambda: wa.unblock_users([CUSTOMER])),
        # QR codes
        ("create_qr_code", lambda: keep("qr")(wa.create_qr_code("Hello!"))),
        ("get_qr_codes", lambda: wa.get_qr_codes()),
        ("get_qr_code", lambda: wa.get_qr_code(made["qr"].code)),
        ("update_qr_code", lambda: wa.update_qr_code(made["qr"].code, "Hello again!")),
        ("delete_qr_code", lambda: wa.delete_qr_code(made["qr"].code)),
        # Flows
        ("create_flow", lambda: keep("flow")(wa.create_flow(f"{template_name}_flow", [FlowCategory.OTHER]))),
        ("update_flow_metadata", lambda: wa.update_flow_metadata(made["flow"].id, name=f"{template_name}_flow2")),
        ("update_flow_json", lambda: wa.update_flow_json(made["flow"].id, json.dumps(FLOW_JSON))),
        ("get_flow_assets", lambda: wa.get_flow_assets(made["flow"].id)),
        ("get_flow", lambda: wa.get_flow(made["flow"].id)),
        ("get_flows", lambda: wa.get_flows()),
        ("publish_flow", lambda: wa.publish_flow(made["flow"].id)),
        ("get_flow_metrics", lambda: wa.get_flow_metrics(made["flow"].id, FlowMetricName.ENDPOINT_REQUEST_COUNT, FlowMetricGranularity.DAY, since=datetime.date.today() - datetime.timedelta(days=7), until=datetime.date.today())),
        ("deprecate_flow", lambda: wa.deprecate_flow(made["flow"].id)),
        ("delete_flow", lambda: wa.delete_flow(wa.create_flow(f"{template_name}_draft", [FlowCategory.OTHER]).id)),
        # Calling
        # Groups
        ("create_group", lambda: keep("group")(wa.create_group(subject="Compat group"))),
        ("get_group", lambda: wa.get_group(first_group(made))),
        ("update_group_settings", lambda: wa.update_group_settings(first_group(made), subject="Compat group 2", profile_picture=png_bytes())),
        ("get_group_invite_link", lambda: wa.get_group_invite_link(first_group(made))),
        ("reset_group_invite_link", lambda: wa.reset_group_invite_link(first_group(made))),
        ("get_group_join_requests", lambda: wa.get_group_join_requests(first_group(made))),
        ("pin_message", lambda: keep("pinned")(wa.pin_message(first_group(made), group_text(wa, made).id, expiration_days=1))),
        ("unpin_message", lambda: wa.unpin_message(first_group(made), group_text(wa, made).id)),
        ("delete_group", lambda: wa.delete_group(first_group(made))),
        # Marketing sign-ups
        ("create_signup", lambda: keep("signup")(wa.create_signup("Join our list", "Thanks for joining", "https://example.com/privacy", accept_policy=True))),
        ("update_signup", lambda: wa.update_signup(made["signup"].id, message="Join our new list")),
        # Webhook configuration and the app
        ("override_waba_callback_url", lambda: wa.override_waba_callback_url(made["callback_url"], VERIFY_TOKEN)),
        ("delete_waba_callback_url", lambda: wa.delete_waba_callback_url()),
        ("override_phone_callback_url", lambda: wa.override_phone_callback_url(made["callback_url"], VERIFY_TOKEN)),
        ("delete_phone_callback_url", lambda: wa.delete_phone_callback_url()),
        ("get_app_access_token", lambda: keep("app_token")(wa.get_app_access_token(int(APP_ID), APP_SECRET))),
        ("set_app_callback_url", lambda: wa.set_app_callback_url(int(APP_ID), made["app_token"], made["callback_url"], VERIFY_TOKEN, ["messages"])),
        # Last, since the number needs registering again afterwards.
        ("deregister_phone_number", lambda: wa.deregister_phone_number()),
        ("register_phone_number", lambda: wa.register_phone_number("123456")),
    ]


def review_passes() -> None:
    """Moves the sandbox clock past its template review delay (Meta's review takes time too)."""
    sandbox("POST", "/__sandbox/clock/advance", {"seconds": 60})


def first_group(made: dict) -> str:
    """The group create_group made. Meta answers its creation with a request id only, and
    pywa cannot read Meta's group list (see SKIPPED), so the id is read from that list
    through the gateway, as any client would."""
    if "group_id" not in made:
        request = urllib.request.Request(f"{GATEWAY}/v23.0/{PHONE_ID}/groups")
        request.add_header("Authorization", f"Bearer {API_KEY}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            made["group_id"] = json.loads(answer.read())["data"]["groups"][0]["id"]
    return made["group_id"]


def group_text(wa: WhatsApp, made: dict):
    """A text pywa sent to the group: what a pin points at (Meta pins a message of the group)."""
    if "group_text" not in made:
        made["group_text"] = wa.send_message(first_group(made), "Pinned news")
    return made["group_text"]


def check(condition: bool, failure: str) -> None:
    if not condition:
        raise AssertionError(failure)


def run_operations(wa: WhatsApp, transport: GatewayTransport, made: dict) -> dict:
    results = {}
    for name, call in operations(wa, made):
        transport.log.clear()
        try:
            call()
            results[name] = {"ok": True}
        except Exception as error:  # every failure is a result to report, not a crash
            results[name] = {
                "ok": False,
                "error": f"{type(error).__name__}: {str(error)[:400]}",
                "requests": list(transport.log),
            }
            if not transport.log:
                results[name]["trace"] = traceback.format_exc(limit=3)[-600:]
    return results


# === Webhook parsing ===

def expected_handler(payload: dict) -> tuple[str, str]:
    """(the shape of a delivered notification, the pywa handler that must take it)."""
    change = payload["entry"][0]["changes"][0]
    field, value = change["field"], change["value"]
    if field == "messages" and "messages" in value:
        message = value["messages"][0]
        kind = message["type"]
        if kind == "interactive":
            sub = message["interactive"]["type"]
            shape = f"message/interactive.{sub}"
            return shape, {"button_reply": "CallbackButtonHandler", "list_reply": "CallbackSelectionHandler",
                           "nfm_reply": "FlowCompletionHandler"}.get(sub, "MessageHandler")
        if kind == "system":
            sub = message["system"]["type"]
            return f"message/system.{sub}", ("IdentityChangeHandler" if "identity" in sub else "PhoneNumberChangeHandler")
        return f"message/{kind}", {"button": "CallbackButtonHandler", "edit": "EditedMessageHandler",
                                   "revoke": "DeletedMessageHandler"}.get(kind, "MessageHandler")
    if field == "messages" and "statuses" in value:
        status = value["statuses"][0]
        if status.get("recipient_type") == "group":
            return f"status/group.{status.get('status')}", "GroupMessageStatusesHandler"
        return f"status/{status.get('status')}", "MessageStatusHandler"
    by_field = {
        "message_template_status_update": "TemplateStatusUpdateHandler",
        "template_category_update": "TemplateCategoryUpdateHandler",
        "message_template_quality_update": "TemplateQualityUpdateHandler",
        "message_template_components_update": "TemplateComponentsUpdateHandler",
        "account_update": "AccountUpdateHandler",
        "user_preferences": "UserMarketingPreferencesHandler",
        "smb_message_echoes": "OutgoingMessageHandler",
    }
    return field, by_field.get(field, "?")


class PywaErrors(logging.Handler):
    """Collects what pywa logs at warning level or above while it parses one update."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            exception = traceback.format_exception_only(record.exc_info[0], record.exc_info[1])
            text += ": " + "".join(exception).strip()
        self.messages.append(text)


def parse_webhooks(bodies: list[tuple[bytes, str | None]]) -> list[dict]:
    handled: list[tuple[str, str]] = []
    parser = WhatsApp(
        phone_id=PHONE_ID, token=None, server=None, verify_token=VERIFY_TOKEN, app_secret=APP_SECRET,
        validate_updates=True, filter_updates=False, skip_duplicate_updates=False,
    )
    typed = [cls for name, cls in vars(handlers).items()
             if isinstance(cls, type) and issubclass(cls, handlers.Handler) and name.endswith("Handler")
             and cls not in (handlers.Handler, handlers.RawUpdateHandler) and not name.startswith("_")]

    def recorder(cls):
        return lambda _client, update: handled.append((cls.__name__, type(update).__name__))

    parser.add_handlers(*[cls(recorder(cls)) for cls in typed])
    errors = PywaErrors()
    logging.getLogger("pywa").addHandler(errors)
    results = []
    for body, signature in bodies:
        handled.clear()
        errors.messages.clear()
        payload = json.loads(body)
        shape, expected = expected_handler(payload)
        result = {"field": payload["entry"][0]["changes"][0]["field"], "shape": shape, "expected": expected}
        refused = parser.webhook_update_validator(body, signature)
        if refused:
            result.update(ok=False, error=f"signature refused: {refused}")
        else:
            parser.webhook_update_handler(body)
            result["handled_by"] = [f"{handler}:{update}" for handler, update in handled]
            ok = len(handled) == 1 and handled[0][0] == expected and not errors.messages
            result["ok"] = ok
            if not ok:
                result["error"] = "; ".join(errors.messages)[:800] or "not handled by the expected handler"
                result["body"] = payload["entry"][0]["changes"][0]["value"]
        results.append(result)
    return results


INBOUND_MESSAGES = [
    {"type": "text", "text": {"body": "hello"}},
    {"type": "image", "image": {"caption": "a photo"}},
    {"type": "video", "video": {}},
    {"type": "audio", "audio": {}},
    {"type": "document", "document": {"filename": "a.pdf"}},
    {"type": "sticker", "sticker": {}},
    {"type": "location", "location": {"latitude": 37.48, "longitude": -122.14, "name": "HQ"}},
    {"type": "contacts", "contacts": [{"name": {"formatted_name": "Sam", "first_name": "Sam"}, "phones": [{"phone": "+15551234567", "type": "CELL"}]}]},
    {"type": "interactive", "interactive": {"type": "button_reply", "button_reply": {"id": "yes", "title": "Yes"}}},
    {"type": "interactive", "interactive": {"type": "list_reply", "list_reply": {"id": "row1", "title": "Row 1"}}},
    {"type": "button", "button": {"text": "Track", "payload": "Track"}},
    {"type": "reaction", "reaction": {"emoji": "\N{THUMBS UP SIGN}"}},
    {"type": "order", "order": {"catalog_id": "1000000000000900", "product_items": [{"product_retailer_id": "SKU-1", "quantity": 1, "item_price": 10, "currency": "USD"}]}},
    {"type": "system", "system": {"body": "User changed number", "type": "user_changed_number", "new_wa_id": "15557654321"}},
    {"type": "unsupported"},
    {"type": "request_welcome"},
]


def collect_webhooks(text_message_id: str | None, settle_seconds: float = 1.0, limit_seconds: float = 20.0):
    """Injects one inbound message of each type, then waits (bounded) until deliveries stop."""
    for message in INBOUND_MESSAGES:
        message = dict(message)
        if message["type"] == "reaction" and text_message_id:
            message["reaction"] = dict(message["reaction"], message_id=text_message_id)
        try:
            sandbox("POST", "/__sandbox/inbound", {"from": CUSTOMER, "message": message})
        except Exception as error:
            print(f"injecting {message['type']} failed: {error}", file=sys.stderr)
    deadline = time.monotonic() + limit_seconds
    seen, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        count = len(Receiver.received)
        if count != seen:
            seen, quiet_since = count, time.monotonic()
        elif time.monotonic() - quiet_since >= settle_seconds:
            break
        time.sleep(0.1)
    return list(Receiver.received)


def main() -> None:
    receiver = start_receiver()
    callback_url = f"http://127.0.0.1:{receiver.server_address[1]}/"
    sandbox("POST", "/__sandbox/webhooks", {"app_id": APP_ID, "callback_url": callback_url, "verify_token": VERIFY_TOKEN})

    transport = GatewayTransport()
    wa = WhatsApp(
        phone_id=PHONE_ID, token=API_KEY, waba_id=WABA_ID, app_id=APP_ID, app_secret=APP_SECRET,
        session=httpx.Client(transport=transport, timeout=30.0),
    )
    made = {"callback_url": callback_url}
    results = run_operations(wa, transport, made)

    public = {name for name in dir(WhatsApp) if not name.startswith("_") and callable(getattr(WhatsApp, name))}
    graph_calls = {name for name in public if not name.startswith("on_")} - NOT_GRAPH_CALLS
    unlisted = sorted(graph_calls - set(results) - set(SKIPPED))
    text = made.get("text")
    bodies = collect_webhooks(getattr(text, "id", None))
    print(json.dumps({
        "pywa_version": __import__("pywa").__version__,
        "operations": results,
        "skipped": SKIPPED,
        "not_covered": unlisted,
        "webhooks": parse_webhooks(bodies),
    }))
    receiver.shutdown()


if __name__ == "__main__":
    main()
