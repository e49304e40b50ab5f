//! The one optimistic write loop of the invoice use cases: read, decide with the domain
//! rule, write conditionally; when another write came first (the stored invoice is no
//! longer what was read, or a number was taken), back off and do it all again, so that the
//! decision is always made on what is stored. One back-off policy for all of them.

use crate::{Error, Result};
use std::time::Duration;

/// Rounds before a write gives up with 503 (each one reads and decides again).
pub const ROUNDS: u32 = 200;

/// What one round of a write came to.
pub enum Round<T> {
    /// Written (or refused for good, as an `Err`).
    Done(T),
    /// Another write came first: read again and decide again.
    Again,
}

/// The pause before round `round + 1`: a little more each round (up to 22 ms), with random
/// jitter so that the writers of one invoice or one counter spread out.
pub fn back_off(round: u32) -> Duration {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) % 11;
    Duration::from_millis(2 + jitter + u64::from(round.min(20)))
}

/// Run `round` until it is done, at most [`ROUNDS`] times; `contended` is the 503's message
/// when it never is (what is too busy, e.g. "the invoice is changing too often"). Each
/// round is a new future (`async move` over references), so the loop is `Send` wherever
/// its rounds are.
pub async fn until_written<T, F, Fut>(contended: &str, mut round: F) -> Result<T>
where
    F: FnMut(u32) -> Fut,
    Fut: Future<Output = Result<Round<T>>>,
{
    for n in 0..ROUNDS {
        match round(n).await? {
            Round::Done(t) => return Ok(t),
            Round::Again => tokio::time::sleep(back_off(n)).await,
        }
    }
    Err(Error::Unavailable(format!("{contended}; try again")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_back_off_grows_with_the_round_and_stays_short() {
        for round in 0..300 {
            let pause = back_off(round);
            let floor = 2 + u64::from(round.min(20));
            assert!(pause >= Duration::from_millis(floor), "{round}: {pause:?}");
            assert!(
                pause <= Duration::from_millis(floor + 10),
                "{round}: {pause:?}"
            );
        }
    }

    #[tokio::test]
    async fn a_write_is_tried_again_until_it_is_done_and_gives_up_with_503() {
        let seen = std::sync::atomic::AtomicU32::new(0);
        let done = until_written("busy", |n| {
            let seen = &seen;
            async move {
                seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Ok(if n < 3 { Round::Again } else { Round::Done(n) })
            }
        })
        .await;
        assert_eq!(done.ok(), Some(3));
        assert_eq!(seen.into_inner(), 4);

        let never =
            until_written::<(), _, _>("the invoice is busy", |_| async { Ok(Round::Again) }).await;
        match never {
            Err(Error::Unavailable(m)) => assert_eq!(m, "the invoice is busy; try again"),
            other => panic!("expected 503, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_refusal_ends_the_loop_at_once() {
        let mut seen = 0;
        let refused = until_written::<(), _, _>("busy", |_| {
            seen += 1;
            async { Err(Error::Conflict("already reversed".into())) }
        })
        .await;
        assert!(matches!(refused, Err(Error::Conflict(_))));
        assert_eq!(seen, 1);
    }
}
