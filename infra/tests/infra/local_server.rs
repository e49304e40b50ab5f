//! The local server binary (`scripts/dev.sh`) honours the developer's environment: a token
//! lifetime from `JWT_TTL_SECONDS`, as a deployed function does.

use proxima_infra::emulator::Emulator;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test]
async fn the_local_server_issues_tokens_for_jwt_ttl_seconds() {
    let emulator = Emulator::start(None).expect("emulator");
    let port = free_port();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut child = Command::new(env!("CARGO_BIN_EXE_proxima-local"))
        .env("AWS_ENDPOINT_URL", emulator.endpoint())
        .env("PORT", port.to_string())
        .env("TABLE_NAME", format!("local-{id}"))
        .env("BUCKET_NAME", format!("local-{id}"))
        .env("JWT_TTL_SECONDS", "120")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("run proxima-local");
    let stdout = child.stdout.take().expect("stdout");
    let server = Server(child);
    // Ready once it prints its address (after provisioning and seeding).
    let ready = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|l| l.contains("Proxima Invoice local API"))
    })
    .await
    .unwrap();
    assert!(ready, "the server printed its address");

    let reply: serde_json::Value = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/api/v1/auth/login"))
        .json(&serde_json::json!({"email": "accountant@proxima.local", "password": "accountant-demo-pass"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let expires: chrono::DateTime<chrono::Utc> = reply["data"]["expires_at"]
        .as_str()
        .expect("expires_at")
        .parse()
        .unwrap();
    let left = (expires - chrono::Utc::now()).num_seconds();
    assert!((100..=120).contains(&left), "token lives {left} s, not 120");
    drop(server);
}
