//! `Patch<T>`: a JSON field that may be absent (leave as is), `null` (clear) or a value.

use serde::{Deserialize, Deserializer};

/// Absent, null or a value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    /// The field was not in the body.
    #[default]
    Absent,
    /// The field was `null`.
    Null,
    /// The field had a value.
    Value(T),
}

impl<T> Patch<T> {
    /// Whether the field was in the body.
    pub fn is_present(&self) -> bool {
        !matches!(self, Patch::Absent)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Only called when the field is present (absent fields use `Default`).
        Ok(match Option::<T>::deserialize(d)? {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}
