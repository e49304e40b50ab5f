//! Admin CLI: users, client import, worklog import, month-end and reminders by hand,
//! exchange rates, the list backfill. Talks to the table named by
//! `TABLE_NAME` (and `AWS_ENDPOINT_URL` locally). Passwords come from `PROXIMA_PASSWORD` or
//! standard input, never from a flag.
//!
//! Exit codes: 0 done, 1 failed, 2 done but some rows were rejected (see the report).

use anyhow::{Context, Result, bail};
use chrono::Utc;
use clap::{Parser, Subcommand, ValueEnum};
use proxima::auth::password::hash_password;
use proxima::domain::user::normalize_email;
use proxima::domain::{Role, User};
use proxima::import::{ClientFormat, ImportReport, import_clients, import_worklogs};
use proxima::ports::UserStore;
use proxima::store::{DynamoStore, aws};
use std::io::{BufRead, IsTerminal};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "proxima-admin", about = "Proxima Invoice administration")]
struct Cli {
    /// DynamoDB table.
    #[arg(long, env = "TABLE_NAME")]
    table: String,
    /// AWS endpoint override (the local emulator).
    #[arg(long, env = "AWS_ENDPOINT_URL")]
    endpoint_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create or update users.
    User {
        #[command(subcommand)]
        action: UserAction,
    },
    /// Import clients from a JSON array or a CSV file.
    Clients {
        #[command(subcommand)]
        action: ImportAction,
    },
    /// Import worklogs from a time-tracker CSV export.
    Worklogs {
        #[command(subcommand)]
        action: ImportAction,
    },
    /// Run month-end by hand: start the period's run and enqueue every active client (what
    /// the schedule does); the workers draft them. Safe to repeat.
    MonthEnd {
        /// The month, YYYY-MM.
        #[arg(long)]
        period: String,
        /// The month-end queue.
        #[arg(long, env = "MONTH_END_QUEUE_URL")]
        queue_url: String,
    },
    /// Central Bank of Uzbekistan exchange rates: fetch a range, or correct one.
    Rates {
        #[command(subcommand)]
        action: RatesAction,
    },
    /// Payment reminders by hand.
    Reminders {
        #[command(subcommand)]
        action: RemindersAction,
    },
    /// Upgrade step: give invoices and credit notes written before the list indexes their
    /// list keys and recompute every list count. Idempotent; run with writes paused.
    BackfillLists,
    /// Upgrade step: open every client's account (per currency) on the invoices issued
    /// before the ledger: what each has due, what was paid above them as credit balance.
    /// Idempotent; accounts already open are left as they are.
    OpenAccounts,
}

#[derive(Subcommand)]
enum RatesAction {
    /// Fetch every day from --from to --to from the Central Bank's archive (what the daily
    /// schedule does for the last days); failures are retried, then reported.
    Fetch {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// The archive's base URL (the local fake's: `source .local/dev.env`).
        #[arg(long, env = "CBU_BASE_URL", default_value = proxima::store::cbu::DEFAULT_BASE_URL)]
        base_url: String,
        /// Currencies the books need (reported when the Bank lists none).
        #[arg(long, env = "RATE_CURRENCIES", default_value = "USD,EUR,RUB")]
        currencies: String,
    },
    /// Correct one rate by hand (audited with what it replaced; kept over later fetches).
    Set {
        /// ISO 4217 code, e.g. USD.
        currency: String,
        /// The publication day, YYYY-MM-DD.
        date: String,
        /// Soums per --nominal units, e.g. 12740.00.
        rate: String,
        #[arg(long, default_value_t = 1)]
        nominal: u32,
        /// Why (required; kept in the audit).
        #[arg(long)]
        reason: String,
        /// Who corrects it (kept in the audit).
        #[arg(long)]
        by: String,
    },
}

#[derive(Subcommand)]
enum RemindersAction {
    /// Run a day's reminders (what the 09:00 schedule does, for any day): start the day's
    /// run with the settings as they are and enqueue its invoices; the workers send them.
    /// Safe to repeat, and at the same time: each reminder goes out once.
    Run {
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The reminder queue.
        #[arg(long, env = "REMINDERS_QUEUE_URL")]
        queue_url: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Viewer,
    Accountant,
    Admin,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Viewer => Role::Viewer,
            RoleArg::Accountant => Role::Accountant,
            RoleArg::Admin => Role::Admin,
        }
    }
}

#[derive(Subcommand)]
enum UserAction {
    /// Create a user; fails if the e-mail exists. Password from PROXIMA_PASSWORD or stdin.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
    },
    /// Change a user's name, role or password.
    Update {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum)]
        role: Option<RoleArg>,
        /// Set a new password, read from PROXIMA_PASSWORD or stdin (revokes the user's tokens).
        #[arg(long)]
        reset_password: bool,
    },
    /// Disable a user: no more logins, and its tokens stop working within a minute.
    Disable {
        #[arg(long)]
        email: String,
    },
    /// Enable a disabled user again (its earlier tokens stay revoked).
    Enable {
        #[arg(long)]
        email: String,
    },
    /// Revoke every token the user holds ("log out everywhere"), within a minute.
    RevokeTokens {
        #[arg(long)]
        email: String,
    },
    /// Write every user's session item (token checks read it): the upgrade step for users
    /// created before sessions existed. Safe to run again.
    SyncSessions,
}

#[derive(Subcommand)]
enum ImportAction {
    /// Import a file.
    Import {
        file: PathBuf,
        /// Clients only: json or csv (default: from the file extension).
        #[arg(long)]
        format: Option<String>,
    },
}

fn read_password() -> Result<String> {
    if let Ok(p) = std::env::var("PROXIMA_PASSWORD")
        && !p.is_empty()
    {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password: ");
    }
    let mut line = String::new();
    stdin
        .lock()
        .read_line(&mut line)
        .context("read password from stdin")?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        bail!("no password given (set PROXIMA_PASSWORD or pipe it on stdin)");
    }
    Ok(password)
}

fn print_report(what: &str, report: &ImportReport) -> ExitCode {
    println!("{what}: {}", report.summary());
    for r in &report.rejected {
        println!("  line {}: {}", r.line, r.message);
    }
    if report.rejected.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(2)
    }
}

fn client_format(file: &Path, format: Option<&str>) -> Result<ClientFormat> {
    let f = format.map(str::to_ascii_lowercase).or_else(|| {
        file.extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
    });
    match f.as_deref() {
        Some("json") => Ok(ClientFormat::Json),
        Some("csv") => Ok(ClientFormat::Csv),
        _ => bail!(
            "cannot tell the format of {}: use --format json|csv",
            file.display()
        ),
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let sdk = aws::sdk_config(cli.endpoint_url.as_deref()).await;
    let store = DynamoStore::new(aws::dynamodb_client(&sdk), &cli.table);
    let now = Utc::now();
    match cli.command {
        Command::User {
            action: UserAction::Create { email, name, role },
        } => {
            let email = normalize_email(&email);
            if let Some(problem) = proxima::domain::email::problem(&email) {
                bail!("{email:?} {problem}");
            }
            if store.get_user(&email).await?.is_some() {
                bail!("user {email} exists; use `user update`");
            }
            let password_hash = hash_password(&read_password()?)?;
            store
                .put_user(&User {
                    email: email.clone(),
                    name,
                    role: role.into(),
                    password_hash,
                    disabled: false,
                    token_version: 0,
                    created_at: now,
                    updated_at: now,
                })
                .await?;
            println!("created {email}");
        }
        Command::User {
            action:
                UserAction::Update {
                    email,
                    name,
                    role,
                    reset_password,
                },
        } => {
            let email = normalize_email(&email);
            let mut user = store
                .get_user(&email)
                .await?
                .with_context(|| format!("no user {email}"))?;
            if let Some(n) = name {
                user.name = n;
            }
            if let Some(r) = role {
                // A token carries its role; a changed role refuses it (see `Session`).
                user.role = r.into();
            }
            if reset_password {
                user.password_hash = hash_password(&read_password()?)?;
                user.revoke_tokens();
            }
            user.updated_at = now;
            store.put_user(&user).await?;
            println!("updated {email}");
        }
        Command::User {
            action: UserAction::Disable { email },
        } => {
            change_user(&store, &email, now, |u| u.disabled = true).await?;
            println!("disabled {email}; its tokens stop working within a minute");
        }
        Command::User {
            action: UserAction::Enable { email },
        } => {
            change_user(&store, &email, now, |u| {
                u.disabled = false;
                u.revoke_tokens();
            })
            .await?;
            println!("enabled {email}");
        }
        Command::User {
            action: UserAction::SyncSessions,
        } => {
            let users = store.all_users().await?;
            for user in &users {
                store.put_user(user).await?;
            }
            println!("wrote the sessions of {} users", users.len());
        }
        Command::User {
            action: UserAction::RevokeTokens { email },
        } => {
            change_user(&store, &email, now, User::revoke_tokens).await?;
            println!("revoked every token of {email}; they stop working within a minute");
        }
        Command::Clients {
            action: ImportAction::Import { file, format },
        } => {
            let format = client_format(&file, format.as_deref())?;
            let bytes = std::fs::read(&file).with_context(|| format!("read {}", file.display()))?;
            let report = import_clients(&bytes, format, &store, now).await?;
            return Ok(print_report("clients", &report));
        }
        Command::Worklogs {
            action: ImportAction::Import { file, .. },
        } => {
            let bytes = std::fs::read(&file).with_context(|| format!("read {}", file.display()))?;
            let report = import_worklogs(&bytes, stores(&store)).await?;
            return Ok(print_report("worklogs", &report));
        }
        Command::MonthEnd { period, queue_url } => {
            let period = period
                .parse()
                .map_err(|_| anyhow::anyhow!("{period:?} is not a month written YYYY-MM"))?;
            let queue = proxima::store::SqsJobQueue::new(aws::sqs_client(&sdk), queue_url);
            // A run without clients completes at once: its event goes to the outbox, and
            // the relay publishes it.
            let summary = proxima::month_end::enqueue_month_end(
                proxima::invoice::drafting::Stores {
                    clients: &store,
                    worklogs: &store,
                    invoices: &store,
                    ledger: &store,
                },
                &queue,
                &store,
                period,
                now,
            )
            .await?;
            println!(
                "month-end {}: {} clients enqueued; the run: GET /api/v1/month-end-runs/{}",
                summary.period, summary.enqueued, summary.period
            );
        }
        Command::Rates {
            action:
                RatesAction::Fetch {
                    from,
                    to,
                    base_url,
                    currencies,
                },
        } => {
            let day = |d: &str| {
                d.parse::<chrono::NaiveDate>()
                    .map_err(|_| anyhow::anyhow!("{d:?} is not a day written YYYY-MM-DD"))
            };
            let source =
                proxima::store::cbu::CbuRates::new(&base_url, std::time::Duration::from_secs(10))?;
            let wanted: Vec<String> = currencies
                .split(',')
                .map(|c| c.trim().to_ascii_uppercase())
                .filter(|c| !c.is_empty())
                .collect();
            let report = proxima::rates::fetch_range(
                &source,
                &store,
                (day(&from)?, day(&to)?),
                &wanted,
                now,
            )
            .await?;
            println!("{}", serde_json::to_string_pretty(&report)?);
            if !report.failed.is_empty() {
                return Ok(ExitCode::from(2));
            }
        }
        Command::Rates {
            action:
                RatesAction::Set {
                    currency,
                    date,
                    rate,
                    nominal,
                    reason,
                    by,
                },
        } => {
            let date = date
                .parse()
                .map_err(|_| anyhow::anyhow!("{date:?} is not a day written YYYY-MM-DD"))?;
            let correction = proxima::rates::RateCorrection {
                currency,
                date,
                rate,
                nominal,
                reason,
            };
            let (set, replaced) = proxima::rates::correct(&store, correction, &by, now).await?;
            println!(
                "{} {}: {} per {} (was {})",
                set.currency,
                set.date,
                set.rate,
                set.nominal,
                replaced.map_or_else(
                    || "none".to_string(),
                    |r| format!("{} per {}", r.rate, r.nominal)
                )
            );
        }
        Command::Reminders {
            action: RemindersAction::Run { date, queue_url },
        } => {
            let date = date
                .parse()
                .map_err(|_| anyhow::anyhow!("{date:?} is not a day written YYYY-MM-DD"))?;
            let queue = proxima::store::SqsJobQueue::new(aws::sqs_client(&sdk), queue_url);
            let settings = proxima::ports::SettingsStore::reminder_settings(&store).await?;
            let summary = proxima::reminders::enqueue_reminders(
                enqueuing_service(&store),
                settings,
                &queue,
                &store,
                date,
                now,
            )
            .await?;
            println!(
                "reminders {}: {} invoices enqueued (schedule {}); the run: GET /api/v1/reminder-runs/{}",
                summary.date,
                summary.enqueued,
                if summary.enabled {
                    "on"
                } else {
                    "off: first overdue days only"
                },
                summary.date
            );
        }
        Command::OpenAccounts => {
            let r = proxima::ledger::open_accounts(stores(&store), Utc::now()).await?;
            println!(
                "open-accounts: {} clients read, {} accounts opened, {} unchanged",
                r.clients, r.opened, r.unchanged
            );
        }
        Command::BackfillLists => {
            let r = store.backfill_lists().await?;
            println!(
                "backfill-lists: {} items scanned, {} re-indexed, {} counts written",
                r.scanned, r.reindexed, r.counts
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Read a user, change it and store it back with its session.
async fn change_user(
    store: &DynamoStore,
    email: &str,
    now: chrono::DateTime<Utc>,
    change: impl FnOnce(&mut User),
) -> Result<()> {
    let email = normalize_email(email);
    let mut user = store
        .get_user(&email)
        .await?
        .with_context(|| format!("no user {email}"))?;
    change(&mut user);
    user.updated_at = now;
    store.put_user(&user).await?;
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The use cases' stores, all in the one table.
/// The invoice use cases as far as enqueuing a reminder run needs them: the table; no
/// documents and no mail (the workers send).
fn enqueuing_service(store: &DynamoStore) -> proxima::invoice::InvoiceService<'_> {
    static UNWIRED: proxima::store::Unwired = proxima::store::Unwired("not used to enqueue");
    static ISSUER: std::sync::LazyLock<proxima::domain::issuer::Issuer> =
        std::sync::LazyLock::new(Default::default);
    static TOLERANCE: proxima::domain::invoice::write_off::Tolerance =
        proxima::domain::invoice::write_off::Tolerance::none();
    proxima::invoice::InvoiceService {
        clients: store,
        worklogs: store,
        invoices: store,
        numbering: store,
        ledger: store,
        credit_notes: store,
        documents: &UNWIRED,
        mailer: &UNWIRED,
        messages: store,
        mail_from: None,
        send_quota: proxima::invoice::sending::SendQuota {
            counter: store,
            per_user_per_day: 0,
        },
        issuer: &ISSUER,
        rates: store,
        url_ttl_secs: 0,
        write_off_tolerance: &TOLERANCE,
    }
}

fn stores(store: &DynamoStore) -> proxima::invoice::drafting::Stores<'_> {
    proxima::invoice::drafting::Stores {
        clients: store,
        worklogs: store,
        invoices: store,
        ledger: store,
    }
}
