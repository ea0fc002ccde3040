//! Files attached to comments on the ticket page: the multipart form, the listing, the
//! download with its headers, scoping, and refusals that write nothing.
//!
//! Like `pages.rs`, these requests go straight into the router: pages answer errors with
//! HTML, and downloads with bytes, not with problem documents.

use store::{MAX_ATTACHMENT_BYTES, Scope, TicketId};

use crate::harness::App;
use crate::pagekit::{Browser, Part};

/// What a ticket holds: the number of events and of attachments (as the desk sees them).
async fn written(app: &App, ticket: i64) -> (usize, usize) {
    let store = &app.state.store;
    let events = store
        .ticket_events(&Scope::System, TicketId(ticket))
        .await
        .expect("events")
        .len();
    let files = store
        .attachments(&Scope::System, TicketId(ticket))
        .await
        .expect("attachments")
        .len();
    (events, files)
}

/// Bytes with a NUL, high bytes and line ends: nothing may be lost or changed.
fn awkward_bytes() -> Vec<u8> {
    let mut b = b"%PDF-1.7\r\n".to_vec();
    b.extend_from_slice(&[0, 0xff, 0xfe, b'\n', 0, b'\r']);
    b.extend((0..=255u8).cycle().take(5000));
    b
}

pub async fn attachments_upload_listing_and_download(app: App) {
    let w = app.world().await;
    let id = w.a.ticket;
    let page_path = format!("/tickets/{id}");
    let admin = Browser::of(&app, &w.a.admin);
    let page = admin.get(&page_path).await.expect(200);
    page.has("enctype=\"multipart/form-data\"")
        .has("<label for=\"file\">")
        .has("type=\"file\" id=\"file\" name=\"file\"");
    let csrf = page.csrf();
    let before = written(&app, id).await;

    // A comment with a file: one new event, one new file, linked to each other.
    let data = awkward_bytes();
    let done = admin
        .post_multipart(
            &format!("{page_path}/comment"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Het foutrapport zit in de bijlage."),
                Part::File {
                    name: "file",
                    file_name: "C:\\Users\\jan\\fout rapport é.pdf",
                    content_type: "application/pdf",
                    data: &data,
                },
            ],
        )
        .await
        .expect(303);
    assert_eq!(
        done.header("location"),
        format!("/tickets/{id}?notice=comment")
    );
    assert_eq!(written(&app, id).await, (before.0 + 1, before.1 + 1));
    let files = app
        .state
        .store
        .attachments(&Scope::System, TicketId(id))
        .await
        .expect("attachments");
    let events = app
        .state
        .store
        .ticket_events(&Scope::System, TicketId(id))
        .await
        .expect("events");
    let last = events.last().expect("an event");
    assert_eq!(last.kind, store::EventType::Commented);
    assert_eq!(last.data["body"], "Het foutrapport zit in de bijlage.");
    let file = files.last().expect("a file");
    assert_eq!(file.event_id, Some(last.id));
    assert_eq!(file.file_name, "fout rapport é.pdf", "no path parts");
    assert_eq!(file.size, data.len() as i64);

    // The page lists it: name, size, who, when; with a link to download it.
    let page = admin.get(&page_path).await.expect(200);
    page.has("Attachments")
        .has("fout rapport é.pdf")
        .has("4.9 KB")
        .has("customer_admin Jan.Beheer@klant-a.example")
        .has("Het foutrapport zit in de bijlage.");
    let links = page.downloads();
    let url = format!("/tickets/{id}/attachments/{}", file.id.0);
    assert_eq!(links, vec![url.clone()]);

    // The download: the very bytes, as an attachment, never rendered by the browser.
    let got = admin.get(&url).await.expect(200);
    assert_eq!(got.body, data, "byte-identical");
    assert_eq!(got.header("content-type"), "application/pdf");
    assert_eq!(
        got.header("content-disposition"),
        "attachment; filename=\"fout rapport _.pdf\"; filename*=UTF-8''fout%20rapport%20%C3%A9.pdf"
    );
    assert_eq!(got.header("x-content-type-options"), "nosniff");
    assert_eq!(got.header("content-security-policy"), "sandbox");
    // The service desk may download it; the other customer does not learn it exists.
    let desk = Browser::of(&app, &w.agent);
    assert_eq!(desk.get(&url).await.expect(200).body, data);
    desk.get(&page_path)
        .await
        .expect(200)
        .has("fout rapport é.pdf");
    let viewer = Browser::of(&app, &w.a.viewer);
    assert_eq!(viewer.get(&url).await.expect(200).body, data);
    let other = Browser::of(&app, &w.b.admin);
    other.get(&url).await.expect(404).lacks("fout rapport");
    other
        .get(&format!(
            "/tickets/{}/attachments/{}",
            w.b.ticket, file.id.0
        ))
        .await
        .expect(404);
    // Without a session: to the sign-in page.
    let anon = Browser::with_cookie(&app, "");
    let r = anon.get(&url).await.expect(303);
    assert!(
        r.header("location").starts_with("/login?next="),
        "{}",
        r.header("location")
    );
    admin
        .get(&format!("/tickets/{id}/attachments/999999"))
        .await
        .expect(404);
    admin
        .get(&format!("/tickets/{id}/attachments/abc"))
        .await
        .expect(404);

    // A type that a browser would run is served as bytes.
    let html = b"<script>alert(1)</script>";
    admin
        .post_multipart(
            &format!("{page_path}/comment"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Nog een"),
                Part::File {
                    name: "file",
                    file_name: "x.html",
                    content_type: "text/html",
                    data: html,
                },
            ],
        )
        .await
        .expect(303);
    let page = admin.get(&page_path).await.expect(200);
    let links = page.downloads();
    assert_eq!(links.len(), 2);
    let got = admin.get(&links[1]).await.expect(200);
    assert_eq!(got.body, html);
    assert_eq!(got.header("content-type"), "application/octet-stream");
    assert_eq!(got.header("content-security-policy"), "sandbox");

    // The multipart form without a file, and the url-encoded form, still post comments.
    let before = written(&app, id).await;
    admin
        .post_multipart(
            &format!("{page_path}/comment"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Zonder bijlage"),
                Part::File {
                    name: "file",
                    file_name: "",
                    content_type: "application/octet-stream",
                    data: b"",
                },
            ],
        )
        .await
        .expect(303);
    admin
        .post(
            &format!("{page_path}/comment"),
            &[("csrf", &csrf), ("body", "Gewoon formulier")],
        )
        .await
        .expect(303);
    assert_eq!(written(&app, id).await, (before.0 + 2, before.1));
}

pub async fn attachments_viewer_cannot_attach(app: App) {
    let w = app.world().await;
    let id = w.a.ticket;
    let viewer = Browser::of(&app, &w.a.viewer);
    let page = viewer.get(&format!("/tickets/{id}")).await.expect(200);
    page.lacks("type=\"file\"");
    let csrf = page.csrf();
    let before = written(&app, id).await;
    viewer
        .post_multipart(
            &format!("/tickets/{id}/comment"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Mag ik dit bijvoegen?"),
                Part::File {
                    name: "file",
                    file_name: "kijker.txt",
                    content_type: "text/plain",
                    data: b"van een kijker",
                },
            ],
        )
        .await
        .expect(403);
    assert_eq!(written(&app, id).await, before, "nothing written");
    // Nor on another customer's ticket (not found), with its own valid token.
    let other = Browser::of(&app, &w.b.admin);
    let csrf_b = other.get("/portal").await.expect(200).csrf();
    let before_b = written(&app, id).await;
    other
        .post_multipart(
            &format!("/tickets/{id}/comment"),
            &[
                Part::Text("csrf", &csrf_b),
                Part::Text("body", "Niet van mij"),
                Part::File {
                    name: "file",
                    file_name: "b.txt",
                    content_type: "text/plain",
                    data: b"b",
                },
            ],
        )
        .await
        .expect(404);
    assert_eq!(written(&app, id).await, before_b);
}

pub async fn attachments_oversized_file_is_refused(app: App) {
    let w = app.world().await;
    let id = w.a.ticket;
    let admin = Browser::of(&app, &w.a.admin);
    let csrf = admin
        .get(&format!("/tickets/{id}"))
        .await
        .expect(200)
        .csrf();
    let before = written(&app, id).await;
    // Just over the file limit (the body is within the route's limit), and far over it
    // (the body limit stops the reading).
    for size in [
        MAX_ATTACHMENT_BYTES + 1,
        MAX_ATTACHMENT_BYTES + 3 * 1024 * 1024,
    ] {
        // Over the route's body limit nothing is read, so the text cannot be kept.
        let readable = size < web::pages::ticket::COMMENT_BODY_LIMIT;
        let big = vec![b'x'; size];
        let r = admin
            .post_multipart(
                &format!("/tickets/{id}/comment"),
                &[
                    Part::Text("csrf", &csrf),
                    Part::Text("body", "Met een te groot bestand"),
                    Part::File {
                        name: "file",
                        file_name: "groot.bin",
                        content_type: "application/octet-stream",
                        data: &big,
                    },
                ],
            )
            .await
            .expect(413);
        r.has("<!doctype html>")
            .has("The file is larger than 10 MB")
            .has("aria-invalid=\"true\"");
        if readable {
            r.has("Met een te groot bestand</textarea>");
        }
        assert_eq!(written(&app, id).await, before, "{size}: nothing written");
    }
    // Exactly at the limit is fine.
    let max = vec![0u8; MAX_ATTACHMENT_BYTES];
    admin
        .post_multipart(
            &format!("/tickets/{id}/comment"),
            &[
                Part::Text("csrf", &csrf),
                Part::Text("body", "Precies 10 MB"),
                Part::File {
                    name: "file",
                    file_name: "precies.bin",
                    content_type: "application/octet-stream",
                    data: &max,
                },
            ],
        )
        .await
        .expect(303);
    assert_eq!(written(&app, id).await, (before.0 + 1, before.1 + 1));
}

pub async fn attachments_need_the_csrf_token(app: App) {
    let w = app.world().await;
    let id = w.a.ticket;
    let admin = Browser::of(&app, &w.a.admin);
    let before = written(&app, id).await;
    for token in [None, Some("not-the-token")] {
        let mut parts = Vec::new();
        if let Some(t) = token {
            parts.push(Part::Text("csrf", t));
        }
        parts.push(Part::Text("body", "Vervalst formulier"));
        parts.push(Part::File {
            name: "file",
            file_name: "vals.txt",
            content_type: "text/plain",
            data: b"vals",
        });
        admin
            .post_multipart(&format!("/tickets/{id}/comment"), &parts)
            .await
            .expect(403);
        assert_eq!(written(&app, id).await, before, "nothing written");
    }
    // A too-large file without the token: the token is checked first.
    let big = vec![b'x'; MAX_ATTACHMENT_BYTES + 1];
    admin
        .post_multipart(
            &format!("/tickets/{id}/comment"),
            &[
                Part::Text("body", "Vervalst en te groot"),
                Part::File {
                    name: "file",
                    file_name: "groot.bin",
                    content_type: "application/octet-stream",
                    data: &big,
                },
            ],
        )
        .await
        .expect(403)
        .lacks("Printer van Klant A");
    assert_eq!(written(&app, id).await, before);
}
