//! The TypeScript client (`clients/typescript`) stays true to the API: its types are the ones
//! generated from the committed `docs/openapi.json`, it type-checks in strict mode, and its
//! month-end example runs against the real local stack with every answer validated against
//! the document's schemas, so a drift between the spec and the server fails here.

use proxima::domain::Role;
use proxima_tests::{last_month, spawn_app};
use std::path::PathBuf;
use std::process::Output;
use tokio::process::Command;

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../clients/typescript")
}

/// `npm run <script>` in the client's folder, with `envs`; panics with a clear message if
/// npm cannot be started (node and npm are required, not optional).
async fn npm_run(script: &str, envs: &[(&str, String)]) -> Output {
    let dir = client_dir();
    assert!(
        dir.join("node_modules").is_dir(),
        "{} has no node_modules: run scripts/setup.sh (it runs npm ci there)",
        dir.display()
    );
    Command::new("npm")
        .args(["run", "--silent", script])
        .current_dir(&dir)
        .env("NPM_CONFIG_UPDATE_NOTIFIER", "false")
        .envs(envs.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .await
        .unwrap_or_else(|e| {
            panic!("cannot run npm ({e}): Node.js 20+ and npm are needed for the TypeScript client")
        })
}

fn show(what: &str, out: &Output) -> String {
    format!(
        "{what}: {}\n--- stdout\n{}--- stderr\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_package_is_versioned_with_the_api_and_exports_its_entry_points() {
    let read = |p: PathBuf| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    };
    let package = read(client_dir().join("package.json"));
    let openapi = read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json"));
    assert_eq!(
        package["version"], openapi["info"]["version"],
        "the client's version follows the API's"
    );
    assert_eq!(package["type"], "module", "ESM");
    for (entry, file) in [(".", "index"), ("./validate", "validate")] {
        assert_eq!(
            package["exports"][entry]["import"],
            format!("./dist/src/{file}.js"),
            "{entry}"
        );
        assert_eq!(
            package["exports"][entry]["types"],
            format!("./dist/src/{file}.d.ts"),
            "{entry}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_generated_client_type_checks_and_runs_the_month_end_flow_without_drift() {
    // Regenerated types = committed ones, strict tsc, the validator's own tests.
    let check = npm_run("check", &[]).await;
    println!("{}", show("npm run check", &check));
    assert!(
        check.status.success(),
        "clients/typescript is out of date with docs/openapi.json or does not type-check \
         (after changing the API: npm run --prefix clients/typescript generate)\n{}",
        show("npm run check", &check)
    );

    let app = spawn_app().await;
    app.seed_demo().await;
    let (email, password) = app.add_user(Role::Accountant).await;
    let openapi = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/openapi.json");
    let flow = npm_run(
        "flow",
        &[
            ("PROXIMA_BASE_URL", app.base_url.clone()),
            ("PROXIMA_EMAIL", email),
            ("PROXIMA_PASSWORD", password),
            ("PROXIMA_PERIOD", last_month().to_string()),
            ("PROXIMA_CLIENT", "ACME".to_string()),
            ("PROXIMA_OPENAPI", openapi.display().to_string()),
        ],
    )
    .await;
    let shown = show("npm run flow", &flow);
    println!("{shown}");
    assert!(flow.status.success(), "{shown}");
    let stdout = String::from_utf8_lossy(&flow.stdout);
    assert!(stdout.contains("month-end flow: ok"), "{shown}");
    assert!(stdout.contains("(paid) and INV-"), "{shown}");
    assert!(stdout.contains("credit balance 10.00"), "{shown}");
    assert!(stdout.contains("refunded 10.00"), "{shown}");
    assert!(stdout.contains("statement: "), "{shown}");
    assert!(stdout.contains("session refreshed"), "{shown}");
    assert!(stdout.contains("listed page by page"), "{shown}");
    assert!(
        stdout.contains("a mistyped amount is refused: amount"),
        "{shown}"
    );

    // The flow went through the API: ACME's invoice of last month is paid.
    let token = app.token(Role::Viewer).await;
    let list = app
        .get(
            &format!("/api/v1/invoices?client_key=ACME&period={}", last_month()),
            Some(&token),
        )
        .await;
    assert_eq!(list.status, 200, "{:?}", list.body);
    assert_eq!(list.body["data"][0]["status"], "paid", "{:?}", list.body);
    assert_eq!(list.body["data"][0]["po_number"], "PO-MONTH-END");
    // One transfer paid it and the month before's.
    let before = app
        .get(
            &format!(
                "/api/v1/invoices?client_key=ACME&period={}",
                last_month().previous()
            ),
            Some(&token),
        )
        .await;
    assert_eq!(
        before.body["data"][0]["status"], "paid",
        "{:?}",
        before.body
    );
}
