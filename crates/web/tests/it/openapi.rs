//! The OpenAPI document describes exactly the routes served; health answers.

use std::collections::BTreeSet;

use axum::http::header;

use crate::authz::{ALL, documented_routes};
use crate::harness::{App, Auth, Req};

pub async fn openapi_document_and_health(app: App) {
    let r = app.get(&Auth::None, "/api/openapi.json").await.expect(200);
    assert_eq!(
        r.headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        Some("application/json")
    );
    let doc = &r.json;
    let version = doc["openapi"].as_str().expect("openapi");
    assert!(version.starts_with("3.1"), "{version}");
    assert_eq!(doc["info"]["title"], "loket");
    // The served document is the one the router was built with.
    assert_eq!(
        doc,
        &serde_json::to_value(web::api::routes().1).expect("doc")
    );

    // It lists exactly the routes this suite knows (all but itself).
    let known: BTreeSet<(String, String)> = ALL
        .iter()
        .map(|e| e.route())
        .filter(|(_, p)| *p != "/api/openapi.json")
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let documented = documented_routes();
    assert_eq!(documented, known);
    // Every documented operation is routed (neither "route not found" nor 405) ...
    for (method, path) in &documented {
        let concrete = path.replace("{id}", "1");
        let r = app
            .send(Req::new(method.parse().expect("method"), &concrete))
            .await;
        assert!(
            r.status.as_u16() != 405 && r.detail() != "route not found",
            "{method} {path} is documented but not routed: {}",
            r.json
        );
        // ... and documents its problems and, where it has one, its id parameter.
        let op = &doc["paths"][path][method.to_lowercase()];
        let responses = op["responses"].as_object().expect("responses");
        assert!(
            responses.keys().any(|k| k.starts_with('2')),
            "{method} {path}"
        );
        if path != "/healthz" {
            for code in ["400", "401", "404", "422"] {
                let problem = &responses[code]["content"]["application/problem+json"];
                assert_eq!(
                    problem["schema"]["$ref"], "#/components/schemas/Problem",
                    "{method} {path} {code}"
                );
            }
        }
        if path.contains("{id}") {
            let params = op["parameters"].as_array().expect("parameters");
            assert!(
                params
                    .iter()
                    .any(|p| p["name"] == "id" && p["in"] == "path"),
                "{method} {path}"
            );
        }
        let secured = op.get("security").is_some();
        let public = matches!(
            (method.as_str(), path.as_str()),
            ("POST", "/api/v1/session")
                | ("GET", "/healthz")
                | ("GET", "/api/v1/status/maintenance")
                // A push heartbeat is authenticated by the token in its path.
                | ("POST", "/api/v1/push/{token}")
        );
        assert_eq!(secured, !public, "{method} {path}: security");
    }
    // ... and nothing undocumented answers under /api/v1.
    for path in ["/api/v1", "/api/v1/", "/api/v1/audit", "/api/v1/agreements"] {
        let r = app.get(&Auth::None, path).await.expect(404);
        assert_eq!(r.detail(), "route not found");
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["token"]["type"], "http");
    assert_eq!(schemes["token"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["type"], "apiKey");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "loket_session");
    for key in ["type", "title", "status", "detail", "errors"] {
        assert!(
            doc["components"]["schemas"]["Problem"]["properties"]
                .get(key)
                .is_some(),
            "Problem.{key}"
        );
    }

    // Health: anonymous, and says which database.
    let r = app.get(&Auth::None, "/healthz").await.expect(200);
    let db = match app.backend {
        crate::harness::Backend::Sqlite => "sqlite",
        crate::harness::Backend::Postgres => "postgres",
    };
    assert_eq!(
        r.json,
        serde_json::json!({ "status": "ok", "database": db })
    );
    // With the database gone it says so (503), rather than pretending.
    app.state.store.close().await;
    let r = app
        .send(Req::new(axum::http::Method::GET, "/healthz").server_error_expected())
        .await;
    assert_eq!(r.status.as_u16(), 503);
}
