//! The admin CLI binary against a real emulator: users (password from env or stdin, never a
//! flag), client and worklog imports with per-row reports and exit codes.

use proxima::auth::password::verify_password;
use proxima::domain::Role;
use proxima::ports::{ClientStore, UserStore, WorklogStore};
use proxima::store::{DynamoStore, aws};
use proxima_infra::emulator::Emulator;
use proxima_infra::provision;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    endpoint: String,
    table: String,
}

impl Cli {
    fn run(&self, args: &[&str], password_env: Option<&str>, stdin: &str) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_proxima-admin"));
        cmd.args(args)
            .env("TABLE_NAME", &self.table)
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env_remove("PROXIMA_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(p) = password_env {
            cmd.env("PROXIMA_PASSWORD", p);
        }
        let mut child = cmd.spawn().expect("run proxima-admin");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn manages_users_and_imports_files() {
    let emulator = Emulator::start(None).expect("emulator");
    let table = format!("cli-{}", uuid::Uuid::new_v4().simple());
    let sdk = aws::sdk_config(Some(&emulator.endpoint())).await;
    provision::provision(
        &aws::dynamodb_client(&sdk),
        &aws::s3_client(&sdk),
        &table,
        "cli-bucket",
    )
    .await
    .unwrap();
    let store = DynamoStore::new(aws::dynamodb_client(&sdk), &table);
    let cli = Cli {
        endpoint: emulator.endpoint(),
        table: table.clone(),
    };

    // Create with the password from the environment.
    let out = cli.run(
        &[
            "user",
            "create",
            "--email",
            "Boss@Example.COM",
            "--name",
            "Boss",
            "--role",
            "admin",
        ],
        Some("a-long-enough-password"),
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let user = store
        .get_user("boss@example.com")
        .await
        .unwrap()
        .expect("created");
    assert_eq!(user.role, Role::Admin);
    assert!(verify_password(
        "a-long-enough-password",
        Some(&user.password_hash)
    ));

    // Creating it again is refused.
    let again = cli.run(
        &[
            "user",
            "create",
            "--email",
            "boss@example.com",
            "--name",
            "B",
            "--role",
            "viewer",
        ],
        Some("a-long-enough-password"),
        "",
    );
    assert_eq!(again.status.code(), Some(1), "{}", text(&again));

    // Update role and password, the password from stdin.
    let out = cli.run(
        &[
            "user",
            "update",
            "--email",
            "boss@example.com",
            "--role",
            "accountant",
            "--reset-password",
        ],
        None,
        "another-long-password\n",
    );
    assert!(out.status.success(), "{}", text(&out));
    let user = store.get_user("boss@example.com").await.unwrap().unwrap();
    assert_eq!(user.role, Role::Accountant);
    assert!(verify_password(
        "another-long-password",
        Some(&user.password_hash)
    ));

    // A short password is refused.
    let short = cli.run(
        &[
            "user",
            "create",
            "--email",
            "x@example.com",
            "--name",
            "X",
            "--role",
            "viewer",
        ],
        Some("short"),
        "",
    );
    assert_eq!(short.status.code(), Some(1));

    // Clients, then worklogs: bad rows reported, exit code 2, good rows imported.
    let dir = std::env::temp_dir().join(format!("proxima-cli-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let clients = dir.join("clients.csv");
    std::fs::write(
        &clients,
        "key,name,email,address_line1,address_city,address_country,currency,hourly_rate,tax_rate,payment_terms_days,timezone\n\
         ACME,Acme,a@acme.example,1 Main,Boston,US,USD,100,0,30,America/New_York\n",
    )
    .unwrap();
    let out = cli.run(&["clients", "import", clients.to_str().unwrap()], None, "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(store.get_client("ACME").await.unwrap().is_some());

    let worklogs = dir.join("worklogs.csv");
    std::fs::write(
        &worklogs,
        "client_key,date,author,issue_key,minutes,billable\n\
         ACME,2026-10-01,Ann,ACME-1,60,true\n\
         ACME,2026-10-02,Ann,ACME-1,zero,true\n",
    )
    .unwrap();
    for _ in 0..2 {
        let out = cli.run(
            &["worklogs", "import", worklogs.to_str().unwrap()],
            None,
            "",
        );
        assert_eq!(out.status.code(), Some(2), "{}", text(&out));
        let t = text(&out);
        assert!(
            t.contains("2 rows: 1 imported, 0 duplicate, 1 rejected"),
            "{t}"
        );
        assert!(t.contains("line 3"), "{t}");
    }
    let stored = store
        .worklogs_in_range("ACME", proxima::domain::DateRange::ALL)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "imported twice, stored once");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn disables_revokes_and_backfills_sessions() {
    use proxima::ports::SessionStore;
    let emulator = Emulator::start(None).expect("emulator");
    let table = format!("cli-{}", uuid::Uuid::new_v4().simple());
    let sdk = aws::sdk_config(Some(&emulator.endpoint())).await;
    let dynamodb = aws::dynamodb_client(&sdk);
    provision::provision(&dynamodb, &aws::s3_client(&sdk), &table, "cli-bucket2")
        .await
        .unwrap();
    let store = DynamoStore::new(dynamodb.clone(), &table);
    let cli = Cli {
        endpoint: emulator.endpoint(),
        table: table.clone(),
    };
    // A user stored before sessions existed: a USER# item and nothing else.
    let old = serde_json::json!({"email": "old@example.com", "name": "Old", "role": "accountant",
        "password_hash": "x", "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"});
    let mut item: std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> =
        serde_dynamo::to_item(old).unwrap();
    item.insert(
        "pk".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("USER#old@example.com".into()),
    );
    item.insert(
        "sk".into(),
        aws_sdk_dynamodb::types::AttributeValue::S("USER".into()),
    );
    dynamodb
        .put_item()
        .table_name(&table)
        .set_item(Some(item))
        .send()
        .await
        .unwrap();
    assert!(
        store
            .get_session("old@example.com")
            .await
            .unwrap()
            .is_none()
    );

    let out = cli.run(&["user", "sync-sessions"], None, "");
    assert!(out.status.success(), "{}", text(&out));
    let session = store
        .get_session("old@example.com")
        .await
        .unwrap()
        .expect("backfilled");
    assert!(session.accepts(Role::Accountant, 0));

    let out = cli.run(
        &["user", "revoke-tokens", "--email", "old@example.com"],
        None,
        "",
    );
    assert!(out.status.success(), "{}", text(&out));
    let revoked = store.get_session("old@example.com").await.unwrap().unwrap();
    assert!(!revoked.accepts(Role::Accountant, 0) && revoked.accepts(Role::Accountant, 1));

    let out = cli.run(&["user", "disable", "--email", "old@example.com"], None, "");
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        store
            .get_session("old@example.com")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
    assert!(
        store
            .get_user("old@example.com")
            .await
            .unwrap()
            .unwrap()
            .disabled
    );
}
