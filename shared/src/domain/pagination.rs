//! Page-number pagination as the seed defines it (`page` from 1, `per_page` up to 100).

/// Largest page size; larger requests are clamped to it.
pub const MAX_PER_PAGE: u32 = 100;
/// Page size when none is asked for.
pub const DEFAULT_PER_PAGE: u32 = 20;

/// A validated page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u32,
    pub per_page: u32,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
        }
    }
}

impl PageRequest {
    /// A request for `page` (>= 1) of `per_page` (>= 1, clamped to [`MAX_PER_PAGE`]).
    pub fn new(page: u32, per_page: u32) -> Self {
        Self {
            page: page.max(1),
            per_page: per_page.clamp(1, MAX_PER_PAGE),
        }
    }

    /// How many items come before this page.
    pub fn offset(&self) -> usize {
        (self.page as usize - 1).saturating_mul(self.per_page as usize)
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
            request: *self,
        }
    }
}

/// One page of an ordered list, with the true total.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub request: PageRequest,
}

impl<T> Page<T> {
    /// The same page with every item converted.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
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
    fn clamps_per_page() {
        assert_eq!(PageRequest::new(1, 1000).per_page, MAX_PER_PAGE);
    }
}
