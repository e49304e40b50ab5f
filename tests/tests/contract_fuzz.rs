//! The API contract, fuzzed: Schemathesis (installed into `.venv` by `scripts/setup.sh`)
//! reads the generated OpenAPI document from the running application and sends it
//! thousands of generated requests, valid and invalid, across every operation.
//!
//! Checks: no 5xx; every status code, content type, header and body as documented; every
//! request the document calls invalid rejected with a 4xx; auth never ignored; 405s with
//! `Allow`. Not checked: that every schema-valid request is accepted (`positive_data_acceptance`):
//! business rules such as "the client exists" or "the due date is not before the issue
//! date" are beyond a JSON schema, so valid-looking requests are rightly refused.
//!
//! Bounded: `SCHEMATHESIS_MAX_EXAMPLES` per operation and phase (default 25), fixed seed
//! `SCHEMATHESIS_SEED` (default 20261126) so a failure reproduces; set another seed to explore.

use proxima::domain::Role;
use proxima_infra::emulator::workspace_root;
use proxima_tests::spawn_app;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schemathesis_finds_no_server_error_no_undocumented_answer_and_no_accepted_invalid_input() {
    let app = spawn_app().await;
    app.seed_demo().await;
    let token = app.token(Role::Admin).await;
    // Something to find: a finalized invoice and a draft.
    let finalized = app.draft(&token, "ACME").await;
    let done = app
        .finalize(&token, finalized["id"].as_str().expect("id"))
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    app.draft(&token, "GULZOR").await;

    let root = workspace_root();
    let schemathesis = root.join(".venv/bin/schemathesis");
    assert!(
        schemathesis.exists(),
        "{} is missing: run scripts/setup.sh",
        schemathesis.display()
    );
    let work = root.join("target/schemathesis");
    std::fs::create_dir_all(&work).expect("work dir");
    let max_examples = std::env::var("SCHEMATHESIS_MAX_EXAMPLES").unwrap_or_else(|_| "25".into());
    let seed = std::env::var("SCHEMATHESIS_SEED").unwrap_or_else(|_| "20261126".into());

    let started = std::time::Instant::now();
    let output = tokio::process::Command::new(&schemathesis)
        .current_dir(&work)
        .env("NO_COLOR", "1")
        .args(["run", &format!("{}/openapi.json", app.base_url)])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "all"])
        .args([
            "--exclude-checks",
            "positive_data_acceptance,use_after_free,ensure_resource_availability",
        ])
        .args(["--max-examples", &max_examples, "--seed", &seed])
        // One worker: with two, hypothesis threads may `ast.parse` the same module at once,
        // which CPython 3.11 answers with a spurious "SystemError: AST constructor recursion
        // depth mismatch" (python/cpython#106905) that fails the run whatever the API does.
        .args(["--workers", "1", "--request-timeout", "10"])
        .args(["--continue-on-failure", "--output-truncate", "false"])
        .output()
        .await
        .expect("run schemathesis");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let summary: Vec<&str> = stdout
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.contains(" generated, ")
                || l.starts_with("Seed:")
                || (l.starts_with("===") && l.contains(" in "))
        })
        .collect();
    println!(
        "schemathesis: {} ({:.1} s, max {max_examples} examples per operation and phase)",
        summary.join(" | "),
        started.elapsed().as_secs_f64()
    );
    assert!(
        output.status.success(),
        "schemathesis found problems (reproduce with SCHEMATHESIS_SEED={seed}):\n{stdout}\n{stderr}"
    );
    // Every documented operation is selected and tested (the count follows the document).
    let operations =
        serde_json::to_value(proxima_infra::api::openapi()).expect("document")["paths"]
            .as_object()
            .expect("paths")
            .values()
            .map(|item| item.as_object().map_or(0, |m| m.len()))
            .sum::<usize>();
    assert!(operations >= 21, "{operations} operations");
    assert!(
        stdout.contains(&format!("Tested: {operations}")),
        "every operation should be tested:\n{stdout}"
    );
}
