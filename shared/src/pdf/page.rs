//! The page model shared by every document: A4 geometry, type sizes and spacings by name,
//! positioned text runs and rules ([`Item`]), a top-to-bottom [`Writer`] with page breaks,
//! and word wrap by real glyph widths.

use super::font::{Face, metrics};

/// A4 width in points.
pub const PAGE_WIDTH: f32 = 595.28;
/// A4 height in points.
pub const PAGE_HEIGHT: f32 = 841.89;
/// Left and right margin.
pub(super) const MARGIN_X: f32 = 50.0;
/// From the top edge to the first baseline.
pub(super) const MARGIN_TOP: f32 = 56.0;
/// Nothing but the footer below this.
pub(super) const MARGIN_BOTTOM: f32 = 64.0;
/// The right margin's x.
pub(super) const RIGHT: f32 = PAGE_WIDTH - MARGIN_X;
/// Width between the margins.
pub(super) const TEXT_WIDTH: f32 = RIGHT - MARGIN_X;

/// Type sizes (points).
pub(super) mod size {
    /// Running text, labels, table cells.
    pub const BODY: f32 = 9.0;
    /// The document's title (INVOICE, CREDIT NOTE).
    pub const TITLE: f32 = 20.0;
    /// The issuer's name.
    pub const ISSUER_NAME: f32 = 14.0;
    /// The client's name and the grand total.
    pub const EMPHASIS: f32 = 11.0;
    /// The footer.
    pub const FOOTER: f32 = 8.0;
}

/// Vertical spacing (points from one baseline to the next, or extra space).
pub(super) mod space {
    /// One line of body text.
    pub const LEADING: f32 = 12.0;
    /// Below the issuer's name.
    pub const ISSUER_NAME_LEADING: f32 = 16.0;
    /// One line of the client's name.
    pub const EMPHASIS_LEADING: f32 = 14.0;
    /// Below the title, before the facts.
    pub const BELOW_TITLE: f32 = 20.0;
    /// Below the header (issuer and facts), before the client.
    pub const BELOW_HEADER: f32 = 14.0;
    /// Extra space below a block heading and between totals rows.
    pub const TIGHT: f32 = 2.0;
    /// Between a table's header and its rule.
    pub const ABOVE_RULE: f32 = 5.0;
    /// Extra space below each table row.
    pub const ROW_GAP: f32 = 4.0;
    /// Between sections.
    pub const SECTION: f32 = 10.0;
    /// Between the client block and the line table on an invoice.
    pub const ABOVE_TABLE: f32 = 16.0;
    /// The footer's baseline above the bottom edge.
    pub const FOOTER_BASELINE: f32 = 34.0;
}

/// Horizontal measures (points).
pub(super) mod column {
    use super::{MARGIN_X, RIGHT};

    /// Right edge of the table's first number column (hours, quantity).
    pub const FIRST_NUMBER: f32 = 360.0;
    /// Right edge of the second number column (rate, unit price); also the right edge of
    /// totals labels when the values leave room.
    pub const SECOND_NUMBER: f32 = 450.0;
    /// Right edge of the amounts: the right margin.
    pub const AMOUNT: f32 = RIGHT;
    /// Width of the description column, from the left margin.
    pub const DESCRIPTION_WIDTH: f32 = 255.0;
    /// Width of the client block's lines.
    pub const PARTY_WIDTH: f32 = 300.0;
    /// The most a fact's value may take before its label moves left of it.
    pub const FACT_VALUE: f32 = 110.0;
    /// Between a label's right edge and the widest value beside it.
    pub const LABEL_GAP: f32 = 14.0;
    /// Left edge of everything left-aligned.
    pub const LEFT: f32 = MARGIN_X;
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text with its baseline-left corner at (x, y), in points from the bottom left.
    Text {
        x: f32,
        y: f32,
        size: f32,
        face: Face,
        text: String,
    },
    /// A horizontal rule.
    Rule { x1: f32, x2: f32, y: f32 },
}

/// The items of each page.
pub type Pages = Vec<Vec<Item>>;

/// Lays items out top to bottom, page by page.
pub(super) struct Writer {
    pub(super) pages: Pages,
    /// The current baseline.
    pub(super) y: f32,
}

impl Writer {
    /// At the top of the first page.
    pub(super) fn new() -> Self {
        Self {
            pages: Vec::new(),
            y: PAGE_HEIGHT - MARGIN_TOP,
        }
    }

    fn page(&mut self) -> &mut Vec<Item> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    /// Text starting at `x` on the current baseline.
    pub(super) fn text(&mut self, x: f32, size: f32, face: Face, text: impl Into<String>) {
        let y = self.y;
        self.page().push(Item::Text {
            x,
            y,
            size,
            face,
            text: text.into(),
        });
    }

    /// Text ending at `right_edge` on the current baseline.
    pub(super) fn right(
        &mut self,
        right_edge: f32,
        size: f32,
        face: Face,
        text: impl Into<String>,
    ) {
        let text = text.into();
        let x = right_edge - metrics(face).width(&text, size);
        self.text(x, size, face, text);
    }

    /// A rule from margin to margin on the current baseline.
    pub(super) fn rule(&mut self) {
        let y = self.y;
        self.page().push(Item::Rule {
            x1: MARGIN_X,
            x2: RIGHT,
            y,
        });
    }

    /// Start a new page at its top.
    pub(super) fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = PAGE_HEIGHT - MARGIN_TOP;
    }

    /// Room left above the bottom margin.
    pub(super) fn room(&self) -> f32 {
        self.y - MARGIN_BOTTOM
    }
}

/// Greedy word wrap to `width` points; words longer than a line are split by characters.
/// Breaks only at breakable white space: a no-break space (the group separator of `ru` and
/// `uz` amounts) keeps its number in one piece.
pub fn wrap(text: &str, face: Face, size: f32, width: f32) -> Vec<String> {
    let m = metrics(face);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(|c: char| c.is_whitespace() && !is_no_break(c)) {
            if word.is_empty() {
                continue;
            }
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if m.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if m.width(word, size) <= width {
                line = word.to_string();
            } else {
                for c in word.chars() {
                    let mut next = line.clone();
                    next.push(c);
                    if m.width(&next, size) > width && !line.is_empty() {
                        lines.push(std::mem::replace(&mut line, c.to_string()));
                    } else {
                        line = next;
                    }
                }
            }
        }
        lines.push(line);
    }
    lines
}

/// No-break spaces (U+00A0, U+2007, U+202F) join, never split, a wrapped line.
fn is_no_break(c: char) -> bool {
    matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_by_real_widths() {
        let text = "Oʻzbekiston ovozi koʻchasi — очень длинное описание работы ".repeat(6);
        let lines = wrap(&text, Face::Regular, size::BODY, column::DESCRIPTION_WIDTH);
        assert!(lines.len() > 3);
        for l in &lines {
            assert!(
                metrics(Face::Regular).width(l, size::BODY) <= column::DESCRIPTION_WIDTH + 0.01,
                "{l}"
            );
        }
        let rejoined: String = lines.join(" ");
        assert_eq!(
            rejoined.split_whitespace().count(),
            text.split_whitespace().count()
        );
        let long_word = wrap(&"x".repeat(400), Face::Regular, size::BODY, 100.0);
        assert!(long_word.len() > 1);
    }

    #[test]
    fn never_breaks_a_number_at_its_no_break_spaces() {
        let amount = "21\u{a0}505\u{a0}680,00\u{a0}UZS";
        let text = format!("{} {amount} {}", "слово ".repeat(9), "word ".repeat(9));
        for width in [90.0, 120.0, 140.0, 200.0] {
            let lines = wrap(&text, Face::Regular, size::BODY, width);
            assert!(
                lines.iter().any(|l| l.contains(amount)),
                "{width}: {lines:?}"
            );
        }
        // A no-break space has the width of a space.
        let m = metrics(Face::Regular);
        assert!((m.width("1\u{a0}2", 10.0) - m.width("1 2", 10.0)).abs() < 0.001);
        assert!(m.width("\u{a0}", 10.0) > 0.0);
    }
}
