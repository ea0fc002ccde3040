"""A whole ticket cycle driven only through a client generated from loket's OpenAPI document.

Usage: python ticket_cycle.py BASE_URL ADMIN_TOKEN  (the generated package `loket_client` on
sys.path). Every step checks what the API promises; any deviation raises and exits non-zero.
"""

import sys
import uuid

from loket_client import AuthenticatedClient, Client
from loket_client.api.customers import create_org, get_org
from loket_client.api.people import create_person
from loket_client.api.sign_in import create_token, sign_in
from loket_client.api.tickets import (
    assign,
    comment,
    file_ticket,
    get_ticket,
    list_tickets,
    set_status,
    ticket_events,
)
from loket_client.models import (
    AssignBody,
    CommentBody,
    KindDto,
    NewOrganizationBody,
    NewPersonBody,
    NewTicketBody,
    NewTokenBody,
    OrganizationDto,
    OutcomeDto,
    PersonCreated,
    PersonDto,
    PriorityDto,
    RoleDto,
    SignInBody,
    StatusBody,
    StatusDto,
    TicketDto,
    TicketPage,
    TokenCreated,
)


def expect(value, kind):
    """The answer, which must be of the documented success type (else the problem is shown)."""
    if not isinstance(value, kind):
        raise AssertionError(f"expected {kind.__name__}, got {value!r}")
    return value


def token_for(base, email, password):
    """Signs in with e-mail and password (a session), then makes a personal API token."""
    with Client(base_url=base, raise_on_unexpected_status=True) as session:
        me = expect(sign_in.sync(client=session, body=SignInBody(email=email, password=password)), PersonDto)
        assert me.email == email, me
        created = expect(
            create_token.sync(client=session, body=NewTokenBody(name="generated client")),
            TokenCreated,
        )
    return AuthenticatedClient(base_url=base, token=created.secret, raise_on_unexpected_status=True)


def main(base, admin_token):
    tag = uuid.uuid4().hex[:8]
    password = f"client-{tag}-secret"
    admin = AuthenticatedClient(base_url=base, token=admin_token, raise_on_unexpected_status=True)

    org = expect(create_org.sync(client=admin, body=NewOrganizationBody(name=f"Client {tag} BV")), OrganizationDto)
    assert expect(get_org.sync(client=admin, id=org.id), OrganizationDto).name == f"Client {tag} BV"
    customer = expect(
        create_person.sync(
            client=admin,
            body=NewPersonBody(
                email=f"beheer-{tag}@client.example",
                name="Beheerder",
                role=RoleDto.CUSTOMER_ADMIN,
                organization_id=org.id,
                password=password,
            ),
        ),
        PersonCreated,
    ).person
    agent = expect(
        create_person.sync(
            client=admin,
            body=NewPersonBody(email=f"agent-{tag}@vendor.example", name="Agent", role=RoleDto.AGENT, password=password),
        ),
        PersonCreated,
    ).person
    assert customer.role == "customer_admin" and agent.role == "agent"

    # The customer administrator files an incident: its clocks run.
    as_customer = token_for(base, customer.email, password)
    ticket = expect(
        file_ticket.sync(
            client=as_customer,
            body=NewTicketBody(kind=KindDto.INCIDENT, priority=PriorityDto.HIGH, subject="Export hangs"),
        ),
        TicketDto,
    )
    assert ticket.status == StatusDto.NEW and ticket.organization_id == org.id
    assert ticket.sla.outcome == OutcomeDto.RUNNING and len(ticket.sla.targets) == 2

    # The service desk finds it in its queue, takes it, answers and resolves it.
    as_agent = token_for(base, agent.email, password)
    queue = expect(list_tickets.sync(client=as_agent, organization=org.id), TicketPage)
    assert [t.id for t in queue.items] == [ticket.id]
    expect(assign.sync(client=as_agent, id=ticket.id, body=AssignBody(assignee_id=agent.id)), TicketDto)
    answered = expect(
        comment.sync(client=as_agent, id=ticket.id, body=CommentBody(body="We are on it.")),
        TicketDto,
    )
    assert answered.status == StatusDto.OPEN and answered.assignee_id == agent.id
    resolved = expect(
        set_status.sync(client=as_agent, id=ticket.id, body=StatusBody(status=StatusDto.RESOLVED)),
        TicketDto,
    )
    assert resolved.status == StatusDto.RESOLVED
    listed = expect(
        list_tickets.sync(client=as_agent, organization=org.id, status=StatusDto.RESOLVED),
        TicketPage,
    )
    assert [t.id for t in listed.items] == [ticket.id], listed

    # The customer closes it; the desk's listing of closed tickets shows it.
    closed = expect(
        set_status.sync(client=as_customer, id=ticket.id, body=StatusBody(status=StatusDto.CLOSED)),
        TicketDto,
    )
    assert closed.status == StatusDto.CLOSED
    listed = expect(
        list_tickets.sync(client=as_agent, organization=org.id, status=StatusDto.CLOSED),
        TicketPage,
    )
    assert [t.id for t in listed.items] == [ticket.id], listed
    again = expect(get_ticket.sync(client=as_customer, id=ticket.id), TicketDto)
    assert again.status == StatusDto.CLOSED

    events = ticket_events.sync(client=as_customer, id=ticket.id)
    kinds = [e.kind for e in events]
    assert kinds[0] == "created" and "commented" in kinds and "resolved" in kinds, kinds
    print(f"generated client: ticket {ticket.id} filed, assigned, answered, resolved and closed ({len(kinds)} events)")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
