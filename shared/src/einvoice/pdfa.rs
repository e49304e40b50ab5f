//! Turns one of our rendered PDFs into the PDF/A-3 (conformance B) base that a Factur-X
//! invoice is embedded into: an unfiltered XMP `/Metadata` stream declaring PDF/A-3B, and an
//! sRGB output intent carrying a small ICC profile. Deterministic: the dates come from the
//! document, never from the clock.

use crate::{Error, Result};
use chrono::{DateTime, Utc};
use lopdf::{Dictionary, Document, Object, Stream, StringFormat};

/// The compact sRGB ICC profile (v2, "magic" curve) of Clinton Ingram's Compact ICC
/// Profiles, released under CC0 (see `ICC-PROFILE-LICENCE.md` beside this file).
const SRGB_ICC: &[u8] = include_bytes!("sRGB-v2-magic.icc");

/// Who made the document (XMP `xmp:CreatorTool` / `pdf:Producer`, and the Info dictionary).
const TOOL: &str = "Proxima Invoice";

fn pdf_date(at: DateTime<Utc>) -> String {
    at.format("D:%Y%m%d%H%M%SZ").to_string()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The XMP packet: PDF/A identification, dates and tools (the Factur-X embedding adds the
/// document's title, description, author and the Factur-X schema).
fn xmp(at: DateTime<Utc>) -> String {
    let when = xml_escape(&at.format("%Y-%m-%dT%H:%M:%SZ").to_string());
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
<rdf:Description rdf:about=\"\" xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\">\
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\">\
<xmp:CreatorTool>{TOOL}</xmp:CreatorTool><xmp:CreateDate>{when}</xmp:CreateDate>\
<xmp:ModifyDate>{when}</xmp:ModifyDate></rdf:Description>\n\
<rdf:Description rdf:about=\"\" xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\
<pdf:Producer>{TOOL}</pdf:Producer></rdf:Description>\n\
</rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>"
    )
}

/// `pdf` (as `pdf::render_*` made it) as a PDF/A-3B base dated `at`.
pub fn pdf_a3_base(pdf: &[u8], at: DateTime<Utc>) -> Result<Vec<u8>> {
    let bad = |what: &str| Error::Internal(format!("PDF/A base: {what}"));
    let mut doc = Document::load_mem(pdf).map_err(|e| bad(&e.to_string()))?;
    doc.version = "1.7".into();
    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|_| bad("no /Root"))?;

    let mut meta_dict = Dictionary::new();
    meta_dict.set("Type", Object::Name(b"Metadata".to_vec()));
    meta_dict.set("Subtype", Object::Name(b"XML".to_vec()));
    // PDF/A wants the XMP packet readable as it is: never compressed.
    let meta = Stream::new(meta_dict, xmp(at).into_bytes()).with_compression(false);
    let meta_id = doc.add_object(meta);

    let mut icc_dict = Dictionary::new();
    icc_dict.set("N", Object::Integer(3));
    let icc_id = doc.add_object(Stream::new(icc_dict, SRGB_ICC.to_vec()));
    let mut intent = Dictionary::new();
    intent.set("Type", Object::Name(b"OutputIntent".to_vec()));
    intent.set("S", Object::Name(b"GTS_PDFA1".to_vec()));
    let text = |s: &str| Object::String(s.as_bytes().to_vec(), StringFormat::Literal);
    intent.set("OutputConditionIdentifier", text("sRGB IEC61966-2.1"));
    intent.set("Info", text("sRGB IEC61966-2.1"));
    intent.set("DestOutputProfile", Object::Reference(icc_id));
    let intent_id = doc.add_object(intent);

    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|_| bad("/Root is not a dictionary"))?;
    catalog.set("Metadata", Object::Reference(meta_id));
    catalog.set(
        "OutputIntents",
        Object::Array(vec![Object::Reference(intent_id)]),
    );

    // The Info dictionary agrees with the XMP (dates and tools).
    let info_id = doc.trailer.get(b"Info").and_then(Object::as_reference).ok();
    let mut info = info_id
        .and_then(|id| doc.get_dictionary(id).ok().cloned())
        .unwrap_or_default();
    info.set("Creator", text(TOOL));
    info.set("Producer", text(TOOL));
    info.set("CreationDate", text(&pdf_date(at)));
    info.set("ModDate", text(&pdf_date(at)));
    match info_id {
        Some(id) => {
            doc.objects.insert(id, Object::Dictionary(info));
        }
        None => {
            let id = doc.add_object(info);
            doc.trailer.set("Info", Object::Reference(id));
        }
    }
    doc.compress();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| bad(&e.to_string()))?;
    Ok(out)
}
