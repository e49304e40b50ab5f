//! Page-number pagination as the seed defines it (`page` from 1, `per_page` up to 100).

/// Largest page size; larger requests are clamped to it.
pub const MAX_PER_PAGE: u32 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// A validated page request: by number, or (with `cursor`) after a position a previous
/// page handed out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
    /// Continue after this position instead of counting `page`.
    pub cursor: Option<Cursor>,
}

/// The largest position a cursor may carry: far beyond any list this service keeps, and
/// small enough that no arithmetic on it can overflow. A token past it is refused.
pub const MAX_CURSOR_OFFSET: u64 = 1 << 40;

/// A position in one list: what the client got as `meta.next_cursor`. Opaque to callers; the
/// store that wrote it checks that it belongs to the list being read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// Items before the position (so the page it starts has a number).
    pub offset: u64,
    /// Which list (and filter) the position belongs to, as the store names it.
    pub list: String,
    /// The last sort key handed out; the next page starts after it.
    pub after: String,
}

impl Cursor {
    /// The cursor as a URL-safe token: hex of its fields, one a line (`v1`, offset, list,
    /// after; neither list names nor sort keys hold line breaks).
    pub fn encode(&self) -> String {
        let raw = format!("v1\n{}\n{}\n{}", self.offset, self.list, self.after);
        raw.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Read a token written by [`Cursor::encode`]; `None` for anything else.
    pub fn decode(token: &str) -> Option<Self> {
        if token.is_empty() || token.len() > 2048 || !token.len().is_multiple_of(2) {
            return None;
        }
        let bytes = (0..token.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        let raw = String::from_utf8(bytes).ok()?;
        let mut parts = raw.splitn(4, '\n');
        if parts.next()? != "v1" {
            return None;
        }
        let offset = parts
            .next()?
            .parse()
            .ok()
            .filter(|o: &u64| *o <= MAX_CURSOR_OFFSET)?;
        let list = parts.next()?.to_string();
        let after = parts.next()?.to_string();
        (!after.is_empty()).then_some(Self {
            offset,
            list,
            after,
        })
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            cursor: None,
        }
    }
}

impl PageRequest {
    /// A request for `page` (>= 1) of `per_page` (>= 1, clamped to [`MAX_PER_PAGE`]).
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, MAX_PER_PAGE),
            cursor: None,
        }
    }

    /// The same request continuing after `cursor`.
    pub fn after(self, cursor: Cursor) -> Self {
        Self {
            cursor: Some(cursor),
            ..self
        }
    }

    /// How many items come before this page (the cursor's position when there is one).
    pub fn offset(&self) -> usize {
        match &self.cursor {
            Some(c) => usize::try_from(c.offset).unwrap_or(usize::MAX),
            None => (self.page as usize - 1).saturating_mul(self.per_page as usize),
        }
    }

    /// The page number this request is (from the cursor's position when there is one).
    pub fn number(&self) -> u32 {
        match &self.cursor {
            Some(c) => u32::try_from((c.offset / u64::from(self.per_page)).saturating_add(1))
                .unwrap_or(u32::MAX),
            None => self.page,
        }
    }

    /// Cut this page out of the full, ordered list.
    pub fn slice<T>(&self, all: Vec<T>) -> Page<T> {
        let total = all.len() as u64;
        let items = all
            .into_iter()
            .skip(self.offset())
            .take(self.per_page as usize)
            .collect();
        Page {
            items,
            total,
            request: self.clone(),
            next: None,
        }
    }
}

/// One page of an ordered list, with the true total.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub request: PageRequest,
    /// Where the next page starts; `None` on the last page (or for lists without cursors).
    pub next: Option<Cursor>,
}

impl<T> Page<T> {
    /// The same page with every item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, E>>()?,
            total: self.total,
            request: self.request,
            next: self.next,
        })
    }

    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
            next: self.next,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_pages_and_keeps_the_true_total() {
        let all: Vec<u32> = (1..=45).collect();
        let p = PageRequest::new(3, 20).slice(all.clone());
        assert_eq!(p.items, (41..=45).collect::<Vec<_>>());
        assert_eq!(p.total, 45);
        let past = PageRequest::new(4, 20).slice(all);
        assert!(past.items.is_empty());
        assert_eq!(past.total, 45);
    }

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = Cursor {
            offset: 40,
            list: "invoices|status=draft".into(),
            after: "2026-01-01T00:00:00.000000Z#x|y".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()), Some(c));
        for bad in ["", "zz", "abc", "7631", &"00".repeat(2000)] {
            assert_eq!(Cursor::decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn clamps_per_page() {
        assert_eq!(PageRequest::new(1, 1000).per_page, MAX_PER_PAGE);
    }
}

#[cfg(test)]
mod cursor_bound_tests {
    use super::*;

    #[test]
    fn a_cursor_past_the_largest_position_is_refused_at_decode() {
        let at = |offset| Cursor {
            offset,
            list: "l".into(),
            after: "a".into(),
        };
        assert_eq!(
            Cursor::decode(&at(MAX_CURSOR_OFFSET).encode()),
            Some(at(MAX_CURSOR_OFFSET))
        );
        for offset in [MAX_CURSOR_OFFSET + 1, u64::MAX] {
            assert_eq!(Cursor::decode(&at(offset).encode()), None, "{offset}");
        }
    }
}
