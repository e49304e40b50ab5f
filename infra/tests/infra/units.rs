//! The pure parts of the infra crate: reading template.yaml and completing the OpenAPI
//! document.

/// `template`.
mod template {
    use proxima_infra::template::*;
    #[test]
    fn reads_the_embedded_table() {
        let t = invoice_table().unwrap();
        assert_eq!(t.billing_mode, "PAY_PER_REQUEST");
        assert_eq!(t.key_schema[0].attribute, "pk");
        assert_eq!(t.indexes[0].name, "gsi1");
        assert_eq!(t.ttl_attribute.as_deref(), Some("expires_at"));
        let doc = document(TEMPLATE_YAML).unwrap();
        bucket_defined(&doc, BUCKET_RESOURCE).unwrap();
        assert_eq!(
            bucket_name_suffix(&doc, ARCHIVE_BUCKET_RESOURCE).unwrap(),
            "-archive"
        );
        assert_eq!(
            bucket_name_suffix(&doc, BUCKET_RESOURCE).unwrap(),
            "-documents"
        );
        let queue = queue_spec(&doc, MONTH_END_QUEUE_RESOURCE).unwrap();
        let (dlq, max) = queue.redrive.expect("the month-end queue dead-letters");
        assert!(max >= 2, "{max}");
        assert!(queue_spec(&doc, &dlq).unwrap().redrive.is_none());
    }
}

/// `bucket_cors`.
mod bucket_cors {
    use proxima_infra::bucket_cors::*;
    use proxima_infra::template;
    #[test]
    fn the_archive_bucket_lets_the_frontend_fetch_pdfs() {
        let doc = template::document(template::TEMPLATE_YAML).unwrap();
        let rules = bucket_cors_rules(&doc, template::ARCHIVE_BUCKET_RESOURCE).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].allowed_methods, ["GET", "HEAD"]);
        assert_eq!(rules[0].allowed_origins, ["http://localhost:5173"]);
        assert!(
            rules[0]
                .exposed_headers
                .contains(&"content-disposition".to_string())
        );
    }
}

/// `openapi_contract`.
mod openapi_contract {
    use proxima_infra::openapi_contract::*;
    use serde_json::json;
    #[test]
    fn nullable_fields_of_responses_become_required() {
        let doc = complete(proxima_infra::api::openapi());
        let v = serde_json::to_value(&doc).unwrap();
        let required = |s: &str| {
            v.pointer(&format!("/components/schemas/{s}/required"))
                .cloned()
        };
        let header = required("InvoiceHeader").unwrap();
        for f in ["number", "notes", "po_number", "finalized_at", "pdf"] {
            assert!(header.as_array().unwrap().contains(&json!(f)), "{f}");
        }
        let error = required("ErrorBody").unwrap();
        assert!(!error.as_array().unwrap().contains(&json!("details")));
        // A request schema keeps its optional fields optional.
        let patch = required("InvoicePatch").unwrap_or(json!([]));
        assert!(!patch.as_array().unwrap().contains(&json!("notes")));
        let get = &v["paths"]["/api/v1/invoices/{id}"]["get"]["responses"];
        assert!(get["200"]["headers"]["X-Request-ID"].is_object());
        assert!(get["200"]["headers"]["ETag"].is_object());
        // Where the server needs If-Match (no body version), the document requires it.
        let regenerate = &v["paths"]["/api/v1/invoices/{id}/regenerate"]["put"]["parameters"];
        let if_match = regenerate
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == "If-Match")
            .unwrap();
        assert_eq!(if_match["required"], true);
    }
}
