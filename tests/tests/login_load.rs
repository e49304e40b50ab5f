//! Logins under load, in a binary of their own so that their hashing does not slow the
//! other races: 60 parallel attempts for one user, and 100 parallel bad logins. Each prints
//! its figure line in the concurrency suite's format (the test command's figures block).

use futures::future::join_all;
use proxima::domain::Role;
use proxima_tests::{Reply, spawn_app};
use std::time::Instant;

fn count(replies: &[Reply], status: u16) -> usize {
    replies.iter().filter(|r| r.status == status).count()
}

fn report(race: &str, outcome: String, started: Instant) {
    println!(
        "concurrency | {race:<30} | {outcome} | {:.0} ms",
        started.elapsed().as_secs_f64() * 1000.0
    );
}

/// One test, two phases in turn: each phase alone loads the emulator and the cores.
#[tokio::test]
async fn logins_under_load() {
    login_race_sixty_parallel_attempts_get_at_most_five_password_checks().await;
    login_flood_hundred_parallel_bad_logins_run_at_most_two_hashes_at_once().await;
}

async fn login_race_sixty_parallel_attempts_get_at_most_five_password_checks() {
    let app = spawn_app().await;
    let (email, password) = app.add_user(Role::Viewer).await;
    let started = Instant::now();
    // 59 wrong passwords and the right one last, all at once, from one address.
    let replies = join_all((0..60).map(|i| {
        let pw = if i == 59 {
            password.clone()
        } else {
            format!("guess-{i}")
        };
        let email = email.clone();
        let app = &app;
        async move { app.login(&email, &pw).await }
    }))
    .await;
    let (ok, refused, limited) = (
        count(&replies, 200),
        count(&replies, 401),
        count(&replies, 429),
    );
    // A counted attempt that waited too long for a hash slot is refused as busy and not
    // counted (the suite's other tests share the emulator and the cores).
    let busy = replies
        .iter()
        .filter(|r| {
            r.status == 429
                && r.body["error"]["message"]
                    .as_str()
                    .is_some_and(|m| m.contains("in progress"))
        })
        .count();
    report(
        "login, 60 parallel for one user",
        format!(
            "{} password checks allowed (limit 5): {refused} x 401, {ok} x 200, {limited} x 429 ({busy} busy)",
            ok + refused
        ),
        started,
    );
    assert_eq!(ok + refused + limited, 60, "only 200, 401 and 429");
    assert!(refused <= 5, "{refused} wrong passwords were checked");
    assert!(
        ok + refused <= 5,
        "{} attempts got a password check",
        ok + refused
    );
    // When the right password was among the checked ones, its success gave its attempt
    // back: one more wrong guess spends the window.
    if ok == 1 {
        app.login(&email, "one-more-guess")
            .await
            .assert_error(401, "UNAUTHORIZED");
    }
    // The window is spent for this address: even the right password waits.
    app.login(&email, &password)
        .await
        .assert_error(429, "RATE_LIMITED");
}

/// Peak resident memory of this process, from `/proc/self/status` (Linux), in MiB.
fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| kb / 1024.0)
}

async fn login_flood_hundred_parallel_bad_logins_run_at_most_two_hashes_at_once() {
    let app = spawn_app().await;
    let rss_before = peak_rss_mib();
    let started = Instant::now();
    // Distinct e-mails, so that no attempt limit stops them: only the hash bound does.
    let replies = join_all((0..100).map(|i| {
        let app = &app;
        async move {
            app.login(&format!("flood-{i}@proxima.test"), "not-the-password")
                .await
        }
    }))
    .await;
    let (refused, busy) = (count(&replies, 401), count(&replies, 429));
    let peak = app.state.hash_permits.peak();
    report(
        "login flood, 100 bad logins",
        format!(
            "{refused} x 401, {busy} x 429 busy, at most {peak} hashes at once, peak RSS {:.0} -> {:.0} MiB",
            rss_before,
            peak_rss_mib()
        ),
        started,
    );
    assert_eq!(refused + busy, 100, "only 401 and 429, never 5xx");
    assert!(peak <= 2, "{peak} hashes ran at once");
}
