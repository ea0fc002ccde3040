"""Seeds a claimed escalation for the contract check: on a desk filled with `loket demo`, finds a
customer with an ended overrun month, gives it an agreement version with a monthly fee and no
follow-ups or months before entitlement, and takes the escalation to its claim through the API
(the service desk acting for the customer's administrator). Also takes a second customer to its
consultation (so it may claim) and finds a third that may request. Each consultation is recorded
with a new interim meeting (the API makes it when no meeting is named). Prints, one per line: the
claimed customer, its discount entry, the claimable customer and its administrator, the free
customer, its administrator and its overrun month.
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
# Three customers with an ended overrun month and an administrator: one taken to a claimed
# discount, one taken to its consultation (it may claim), one that may request.
found = []
for org in call("GET", "organizations"):
    judged = call("GET", f"organizations/{org['id']}/overrun-months?{span}")
    overrun = [j["month"] for j in judged if j["ended"] and j["overrun"]]
    admins = [p["id"] for p in call("GET", f"people?organization={org['id']}")
              if p["role"] == "customer_admin" and p["active"]]
    if overrun and admins:
        found.append((org["id"], admins[0], overrun[-1]))
    if len(found) == 3:
        break
else:
    sys.exit("fewer than three demo customers have an overrun month and an administrator")
now = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
policy = ("[compensation]\nmonthly_fee_cents = 125000\n"
          "follow_ups_before_entitlement = 0\nmonths_before_entitlement = 0\n")


def escalate(org, admin, month, claim):
    call("POST", f"organizations/{org}/agreements", {
        "name": "Contract: compensation without waiting",
        "policy": policy,
        "effective_from": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
    })
    path = f"organizations/{org}/escalation"
    call("POST", path + "/request", {"months": [month], "on_behalf_of": admin})
    call("POST", path + "/consultation", {
        "held_on": today.isoformat(),
        "attendees": [{"name": "Contract check", "side": "vendor"}],
    })
    if claim:
        return call("POST", path + "/claim", {"on_behalf_of": admin})["ledger"][0]["entry_id"]
    return None


(claimed_org, claimed_admin, _), (claimable_org, claimable_admin, _), (free_org, free_admin, free_month) = found
entry = escalate(*found[0], claim=True)
escalate(*found[1], claim=False)
for line in [claimed_org, entry, claimable_org, claimable_admin, free_org, free_admin, free_month]:
    print(line)
