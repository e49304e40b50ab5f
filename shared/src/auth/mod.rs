//! Authentication: password hashing, JWTs, login throttling rules and the login use case.

pub mod login;
pub mod password;
pub mod session;
pub mod token;

pub use login::{LoginOutcome, login};
pub use session::Authenticator;
pub use token::{Claims, IssuedToken, TokenService};
