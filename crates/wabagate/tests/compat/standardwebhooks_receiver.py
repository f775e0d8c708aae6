"""A webhook receiver as a Python user writes one: every delivery is verified with the
PyPI `standardwebhooks` package, against each secret in the file named on the command
line (re-read per delivery, so a test can add the rotated secret). Prints the port it
listens on, then one JSON line per delivery: its id, type and which secrets verified it.
Answers 204 when one did, else 401. Driven by `standard_webhooks.rs`."""

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

SECRETS_PATH = sys.argv[1]
# Deliveries are small JSON events; anything larger is not ours.
MAX_BODY = 1024 * 1024


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_response(413)
            self.end_headers()
            return
        body = self.rfile.read(length)
        with open(SECRETS_PATH, encoding="utf-8") as secrets_file:
            secrets = [line.strip() for line in secrets_file if line.strip()]
        verified = []
        for index, secret in enumerate(secrets):
            try:
                Webhook(secret).verify(body, dict(self.headers))
                verified.append(index)
            except WebhookVerificationError:
                pass
        event = json.loads(body)
        line = {"webhook_id": self.headers.get("webhook-id"), "type": event.get("type"), "verified_by": verified}
        print(json.dumps(line), flush=True)
        self.send_response(204 if verified else 401)
        self.end_headers()

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
print(server.server_address[1], flush=True)
server.serve_forever()
