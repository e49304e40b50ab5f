//! Authentication: password hashing, JWTs, login throttling rules and the login use case.

pub mod login;
pub mod password;
pub mod token;

pub use login::{LoginOutcome, login};
pub use token::{Claims, IssuedToken, TokenService};
