//! Authentication: password hashing, JWTs, login throttling rules, the login use case and
//! rotating refresh tokens.

pub mod login;
pub mod password;
pub mod refresh;
pub mod refresh_family;
pub mod session;
pub mod token;

pub use login::{LoginOutcome, login};
pub use session::Authenticator;
pub use token::{Claims, IssuedToken, TokenService};
