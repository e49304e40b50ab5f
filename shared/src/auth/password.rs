//! Argon2id password hashing with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane).

use crate::{Error, Result};
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};

/// Memory cost in KiB (OWASP: 19 MiB).
const M_COST_KIB: u32 = 19 * 1024;
/// Iterations (OWASP: 2).
const T_COST: u32 = 2;
/// Parallelism (OWASP: 1).
const P_COST: u32 = 1;

/// A hash of a random password with the same parameters as real ones. Verifying against it
/// costs what verifying a real user's password costs, so an unknown e-mail answers in about
/// the same time as a wrong password.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$RbeTDW+vrSeVXVoErAKfddclDAD9kgOYYp9uxgCVOu0";

/// Shortest password the CLI accepts.
pub const MIN_PASSWORD_LEN: usize = 10;

fn argon2() -> Result<Argon2<'static>> {
    let params = Params::new(M_COST_KIB, T_COST, P_COST, None)
        .map_err(|e| Error::Internal(format!("argon2 params: {e}")))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Hash a password into a PHC string with a fresh random salt.
pub fn hash_password(password: &str) -> Result<String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(Error::field(
            "password",
            format!("must be at least {MIN_PASSWORD_LEN} characters"),
        ));
    }
    argon2()?
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("argon2 hash: {e}")))
}

/// Check a password against a stored PHC string, or, when there is no user, against a
/// dummy hash so that the time spent is the same. Blocking: call it off the async runtime.
pub fn verify_password(password: &str, stored: Option<&str>) -> bool {
    let (phc, real) = match stored {
        Some(s) => (s, true),
        None => (DUMMY_HASH, false),
    };
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let Ok(hasher) = argon2() else {
        return false;
    };
    hasher.verify_password(password.as_bytes(), &parsed).is_ok() && real
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_with_argon2id_and_verifies() {
        let h = hash_password("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse battery", Some(&h)));
        assert!(!verify_password("wrong horse battery", Some(&h)));
    }

    #[test]
    fn dummy_hash_is_well_formed_and_never_matches() {
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
        assert!(!verify_password("anything at all", None));
    }

    #[test]
    fn rejects_short_passwords() {
        assert!(hash_password("short").is_err());
    }
}
