//! Readiness and the API when the emulator (DynamoDB and S3) goes away, and recovery in the
//! same process once it is back.

use proxima::domain::Role;
use proxima_infra::emulator::Emulator;
use proxima_infra::provision;
use proxima_tests::spawn_app_on;

#[tokio::test]
async fn readyz_is_503_while_the_store_is_down_and_recovers() {
    let mut emulator = Emulator::start(None).expect("private emulator");
    let app = spawn_app_on(&emulator.endpoint(), |_| {}).await;
    let token = app.token(Role::Viewer).await;
    assert_eq!(app.get("/readyz", None).await.status, 200);

    emulator.stop();

    let started = std::time::Instant::now();
    let down = app.get("/readyz", None).await;
    down.assert_error(503, "SERVICE_UNAVAILABLE");
    assert!(
        started.elapsed() < std::time::Duration::from_secs(5),
        "fails fast"
    );
    let message = down.body["error"]["message"].as_str().unwrap();
    assert!(
        !message.contains("127.0.0.1") && !message.contains("dispatch"),
        "no internals: {message}"
    );
    // The API answers 503 in the envelope too, and liveness is unaffected.
    app.get("/api/v1/clients", Some(&token))
        .await
        .assert_error(503, "SERVICE_UNAVAILABLE");
    assert_eq!(app.get("/healthz", None).await.status, 200);

    // Same port, fresh (empty) emulator: provision again and the same process is ready.
    let _back = Emulator::start(Some(emulator.port())).expect("restart emulator");
    provision::provision(&app.dynamodb, &app.s3, &app.table, &app.bucket)
        .await
        .expect("provision");
    let up = app.get("/readyz", None).await;
    assert_eq!(up.status, 200, "{}", up.body);
}
