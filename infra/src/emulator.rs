//! The local AWS emulator: moto's server application from the project's virtualenv, run by
//! `infra/moto_serial.py` (one request at a time), on loopback, on a port of our choosing.
//! It dies with the process that started it.

use anyhow::{Context, Result, bail};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The workspace root (where `.venv` lives).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(PathBuf::from)
        .unwrap_or_default()
}

/// The virtualenv's Python, or `$PROXIMA_PYTHON`.
pub fn python_path() -> PathBuf {
    std::env::var_os("PROXIMA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join(".venv/bin/python"))
}

/// The launcher that serves moto's application one request at a time (see the script's
/// docstring for why).
pub fn launcher_path() -> PathBuf {
    workspace_root().join("infra/moto_serial.py")
}

/// A free loopback port.
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").context("bind a free port")?;
    Ok(listener.local_addr()?.port())
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    port: u16,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Emulator {
    /// Start the emulator on `port` (a free one when `None`) and wait until it answers.
    pub fn start(port: Option<u16>) -> Result<Self> {
        let port = match port {
            Some(p) => p,
            None => free_port()?,
        };
        let program = python_path();
        let launcher = launcher_path();
        if !program.exists() {
            bail!(
                "{} not found: run scripts/setup.sh (or set PROXIMA_PYTHON)",
                program.display()
            );
        }
        let (ready_tx, ready_rx) = mpsc::channel::<Result<()>>();
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        // The child is spawned and owned by a dedicated thread: PR_SET_PDEATHSIG fires when
        // the spawning *thread* ends, so this thread lives exactly as long as the emulator.
        let thread = std::thread::Builder::new()
            .name(format!("moto-{port}"))
            .spawn(move || {
                let mut command = Command::new(&program);
                command
                    .arg(&launcher)
                    .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null());
                // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
                unsafe {
                    command.pre_exec(|| {
                        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
                        Ok(())
                    });
                }
                let mut child = match command.spawn() {
                    Ok(c) => c,
                    Err(e) => {
                        let _ =
                            ready_tx.send(Err(anyhow::Error::new(e).context("spawn the emulator")));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                // Wait for stop (or for the handle to be dropped).
                let _ = stop_rx.recv();
                let _ = child.kill();
                let _ = child.wait();
            })
            .context("spawn emulator thread")?;
        ready_rx.recv().context("emulator thread")??;
        let emulator = Self {
            port,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        emulator.wait_until_up(Duration::from_secs(60))?;
        Ok(emulator)
    }

    fn wait_until_up(&self, limit: Duration) -> Result<()> {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let started = Instant::now();
        while started.elapsed() < limit {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "the emulator did not come up on port {} within {limit:?}",
            self.port
        )
    }

    /// `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stop the server and wait until it has exited.
    pub fn stop(&mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.stop();
    }
}
