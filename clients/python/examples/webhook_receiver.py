"""A partner's webhook endpoint: verify every delivery, keep each event once (docs/PARTNERS.md).

    WEBHOOK_SECRET=whsec_... python webhook_receiver.py --port 9000 --out events.jsonl

Answers 204 to a genuine delivery (signature and timestamp checked with lexseal_client's
Standard Webhooks helper) and 401 to anything else; appends each new event to --out as one
JSON line and prints `verified <type> <id>` (`again` for a redelivery of an event it has).
"""

from __future__ import annotations

import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lexseal_client import WebhookVerificationError, verify_webhook


def serve(port: int, secrets: list[str], out: Path) -> None:
    """Listen on 127.0.0.1:`port` until interrupted."""
    seen: set[str] = set()
    lock = threading.Lock()
    if out.exists():
        seen = {json.loads(line)["id"] for line in out.read_text().splitlines() if line}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            try:
                event = verify_webhook(body, dict(self.headers.items()), secrets)
            except WebhookVerificationError as exc:
                print(f"refused: {exc}", flush=True)
                self.send_response(401)
                self.end_headers()
                return
            with lock:
                new = event.id not in seen
                if new:
                    seen.add(event.id)
                    with out.open("a") as f:
                        f.write(
                            json.dumps(
                                {"id": event.id, "type": event.type, "payload": event.payload},
                                ensure_ascii=False,
                            )
                            + "\n"
                        )
            print(f"{'verified' if new else 'again'} {event.type} {event.id}", flush=True)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"listening on http://127.0.0.1:{port}/hook", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main() -> None:
    """Read the options and serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--out", type=Path, default=Path("events.jsonl"))
    args = parser.parse_args()
    # while rotating, give both secrets: WEBHOOK_SECRET="whsec_new whsec_old"
    secrets = os.environ["WEBHOOK_SECRET"].split()
    serve(args.port, secrets, args.out)


if __name__ == "__main__":
    main()
