"""Seeds a claimed escalation for the contract check: on a desk filled with `loket demo`, finds a
customer with an ended overrun month, gives it an agreement version with a monthly fee and no
follow-ups or months before entitlement, and takes the escalation to its claim through the API
(the service desk acting for the customer's administrator). Prints the customer's id and the
discount entry's id, one per line.
Usage: python3 scripts/seed-escalation.py BASE-URL TOKEN"""
import datetime
import json
import sys
import urllib.request
from zoneinfo import ZoneInfo

base, token = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(base + "/api/v1/" + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req) as r:
        return json.load(r)


today = datetime.datetime.now(ZoneInfo("Europe/Amsterdam")).date()
first = today.replace(day=1)
months = []
m = first
for _ in range(11):
    m = (m - datetime.timedelta(days=1)).replace(day=1)
    months.append(m.strftime("%Y-%m"))
span = f"from={months[-1]}&to={months[0]}"
for org in call("GET", "organizations"):
    judged = call("GET", f"organizations/{org['id']}/overrun-months?{span}")
    overrun = [j["month"] for j in judged if j["ended"] and j["overrun"]]
    admins = [p for p in call("GET", f"people?organization={org['id']}")
              if p["role"] == "customer_admin" and p["active"]]
    if overrun and admins:
        break
else:
    sys.exit("no demo customer has an overrun month and an administrator")
now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
call("POST", f"organizations/{org['id']}/agreements", {
    "name": "Contract: compensation without waiting",
    "policy": "[compensation]\nmonthly_fee_cents = 125000\n"
              "follow_ups_before_entitlement = 0\nmonths_before_entitlement = 0\n",
    "effective_from": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
})
admin = admins[0]["id"]
base_path = f"organizations/{org['id']}/escalation"
call("POST", base_path + "/request", {"months": [overrun[-1]], "on_behalf_of": admin})
call("POST", base_path + "/consultation", {
    "held_on": today.isoformat(),
    "attendees": [{"name": "Contract check", "side": "vendor"}],
})
claimed = call("POST", base_path + "/claim", {"on_behalf_of": admin})
print(org["id"])
print(claimed["ledger"][0]["entry_id"])
