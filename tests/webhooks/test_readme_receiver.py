"""The README's ten-line webhook receiver accepts what eventhub signs and refuses the rest."""
from __future__ import annotations

import json
import re
import time

import config
from eventhub.webhooks import signing


def _receiver():
    readme = (config.PROJECT_ROOT / "README.md").read_text()
    code = re.search(r"```python\n(import hashlib, hmac.*?)```", readme, re.S).group(1)
    assert len(code.strip().splitlines()) == 10
    namespace: dict = {"__name__": "readme_receiver"}
    exec(compile(code.replace('b"whsec_…"', 'b"whsec_readme"'), "README.md", "exec"),
         namespace)
    return namespace["app"].test_client(), namespace["seen"]


def test_the_readme_receiver_verifies_eventhubs_signature():
    client, seen = _receiver()
    body = json.dumps({"id": "d-1", "type": "event.changed", "data": {"event_id": 1}}).encode()
    signed = signing.signature("whsec_readme", int(time.time()), body)
    headers = {signing.SIGNATURE_HEADER: signed, "Content-Type": "application/json"}
    assert client.post("/hooks/eventhub", data=body, headers=headers).status_code == 204
    assert client.post("/hooks/eventhub", data=body, headers=headers).status_code == 204
    assert seen == {"d-1"}  # the repeat was dropped
    forged = signing.signature("whsec_other", int(time.time()), body)
    assert client.post("/hooks/eventhub", data=body,
                       headers={signing.SIGNATURE_HEADER: forged}).status_code == 400
    old = signing.signature("whsec_readme", int(time.time()) - 3600, body)
    assert client.post("/hooks/eventhub", data=body,
                       headers={signing.SIGNATURE_HEADER: old}).status_code == 400
