//! The embedded Unicode font (DejaVu Sans, regular and bold: Latin, Cyrillic, Uzbek letters
//! such as oʻ and gʻ with U+02BB): glyph widths for measuring, and per-document subsets so a
//! PDF carries only the glyphs it uses.

use crate::{Error, Result};
use allsorts::binary::read::ReadScope;
use allsorts::font_data::FontData;
use allsorts::subset::{CmapTarget, SubsetProfile, subset};
use printpdf::ParsedFont;
use std::collections::BTreeSet;
use std::sync::OnceLock;

const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Which face.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Face {
    Regular,
    Bold,
}

impl Face {
    /// The PostScript name of the embedded face (before a subset's tag).
    pub fn postscript_name(self) -> &'static str {
        match self {
            Face::Regular => "DejaVuSans",
            Face::Bold => "DejaVuSans-Bold",
        }
    }
}

/// A face's source bytes and metrics, parsed once per process. `font` is `None` only if the
/// compiled-in font failed to parse (a build defect): rendering then fails with an error
/// ([`ready`]) instead of a panic.
pub struct FaceMetrics {
    bytes: &'static [u8],
    font: Option<ParsedFont>,
}

fn parse(bytes: &'static [u8]) -> FaceMetrics {
    let font = ParsedFont::from_bytes(bytes, 0, &mut Vec::new());
    if font.is_none() {
        tracing::error!("embedded font does not parse");
    }
    FaceMetrics { bytes, font }
}

/// Both faces parsed; an internal error (not a panic) if the embedded fonts are unusable.
pub fn ready() -> Result<()> {
    for face in [Face::Regular, Face::Bold] {
        if metrics(face).font.is_none() {
            return Err(Error::Internal(format!(
                "embedded {face:?} font does not parse"
            )));
        }
    }
    Ok(())
}

/// The metrics of `face`.
pub fn metrics(face: Face) -> &'static FaceMetrics {
    static REGULAR: OnceLock<FaceMetrics> = OnceLock::new();
    static BOLD: OnceLock<FaceMetrics> = OnceLock::new();
    match face {
        Face::Regular => REGULAR.get_or_init(|| parse(REGULAR_TTF)),
        Face::Bold => BOLD.get_or_init(|| parse(BOLD_TTF)),
    }
}

impl FaceMetrics {
    fn glyph(&self, c: char) -> u16 {
        self.font
            .as_ref()
            .and_then(|f| f.codepoint_to_glyph.get(&(c as u32)).copied())
            .unwrap_or(0)
    }

    /// Whether every character of `text` has a glyph in this face.
    pub fn has_glyphs(&self, text: &str) -> bool {
        text.chars().all(|c| self.glyph(c) != 0)
    }

    /// Advance width of `text` at `size` points (real glyph widths, no kerning).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Some(font) = &self.font else {
            return 0.0;
        };
        let units: u32 = text
            .chars()
            .map(|c| u32::from(font.glyph_widths.get(&self.glyph(c)).copied().unwrap_or(0)))
            .sum();
        units as f32 * size / f32::from(font.units_per_em.max(1))
    }

    /// A font holding only the glyphs of `chars` (plus .notdef), with a Unicode cmap, ready
    /// for printpdf.
    pub fn subset(&self, chars: &BTreeSet<char>) -> Result<ParsedFont> {
        let glyphs: BTreeSet<u16> = chars
            .iter()
            .map(|&c| self.glyph(c))
            .filter(|&g| g != 0)
            .collect();
        let ids: Vec<u16> = std::iter::once(0).chain(glyphs).collect();
        let fail = |e: String| Error::Internal(format!("font subset: {e}"));
        let data = ReadScope::new(self.bytes)
            .read::<FontData<'_>>()
            .map_err(|e| fail(e.to_string()))?;
        let provider = data.table_provider(0).map_err(|e| fail(e.to_string()))?;
        let bytes = subset(&provider, &ids, &SubsetProfile::Pdf, CmapTarget::Unicode)
            .map_err(|e| fail(e.to_string()))?;
        ParsedFont::from_bytes(&bytes, 0, &mut Vec::new())
            .ok_or_else(|| fail("subset does not parse".into()))
    }
}

/// The `ABCDEF+` tag a subset font's PostScript name must carry (ISO 32000-1 §9.6.4): six
/// upper-case letters, here derived from a hash of the face and the characters it covers,
/// so that the same glyph set always gets the same tag (byte-identical output) and
/// different subsets of one face get different tags.
pub fn subset_tag(face: Face, chars: &BTreeSet<char>) -> String {
    use sha2::{Digest, Sha256};
    let mut hash = Sha256::new();
    hash.update([face as u8]);
    for c in chars {
        hash.update(u32::from(*c).to_be_bytes());
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| char::from(b'A' + b % 26))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_latin_cyrillic_and_uzbek_letters() {
        let m = metrics(Face::Regular);
        assert!(ready().is_ok());
        // What invoices print: Latin with diacritics, Uzbek (Latin and Cyrillic), Russian,
        // Kazakh, currency signs, typographic punctuation.
        for c in "AžçşğıŞĞÖÜoʻgʻʼЖяЁёўғқҳӣӯҷәңөүһ№€$£¥₽₸₩–—…«»“”‘’•×−"
            .chars()
            .chain(['\u{a0}'])
        {
            assert_ne!(m.glyph(c), 0, "{c} missing");
        }
        assert!(m.width("MMMM", 10.0) > m.width("iiii", 10.0));
        assert!((m.width("", 10.0)).abs() < f32::EPSILON);
    }

    #[test]
    fn subset_tags_are_six_capitals_and_follow_the_glyph_set() {
        let a: BTreeSet<char> = "Счёт на оплату".chars().collect();
        let b: BTreeSet<char> = "Hisob-faktura".chars().collect();
        let tag = subset_tag(Face::Regular, &a);
        assert_eq!(tag.len(), 6);
        assert!(tag.bytes().all(|c| c.is_ascii_uppercase()), "{tag}");
        assert_eq!(tag, subset_tag(Face::Regular, &a.clone()), "deterministic");
        assert_ne!(tag, subset_tag(Face::Regular, &b));
        assert_ne!(tag, subset_tag(Face::Bold, &a));
    }

    #[test]
    fn subsets_are_small() {
        let chars: BTreeSet<char> = "Gʻulzor Toʻqimachilik — ООО Восток 0123456789"
            .chars()
            .collect();
        let font = metrics(Face::Regular).subset(&chars).unwrap();
        assert!(
            font.original_bytes.len() < 40_000,
            "{} bytes",
            font.original_bytes.len()
        );
        assert!(font.codepoint_to_glyph.contains_key(&('ʻ' as u32)));
    }
}
