//! The pure rules of the function crates and of the test support (no store, no HTTP), in
//! the one test binary rather than one binary per crate.

/// `functions/month-end/src/lib.rs`.
mod month_end {
    use chrono::{TimeZone, Utc};
    use fn_month_end::{period_of, previous_period};
    use proxima::domain::TimeZone as Tz;
    use serde_json::json;
    #[test]
    fn previous_month_in_the_company_time_zone() {
        let tz: Tz = "Asia/Tashkent".parse().unwrap();
        // 2026-10-31 20:30 UTC is already 1 November in Tashkent (UTC+5).
        let now = Utc.with_ymd_and_hms(2026, 10, 31, 20, 30, 0).unwrap();
        assert_eq!(previous_period(now, &tz).to_string(), "2026-10");
        assert_eq!(previous_period(now, &Tz::utc()).to_string(), "2026-09");
        let jan = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(previous_period(jan, &tz).to_string(), "2026-12");
    }

    #[test]
    fn an_event_may_name_the_period() {
        let tz = Tz::utc();
        let now = Utc.with_ymd_and_hms(2026, 11, 1, 3, 0, 0).unwrap();
        let named = period_of(&json!({"period": "2026-08"}), &tz, now).unwrap();
        assert_eq!(named.to_string(), "2026-08");
        let scheduled = period_of(&json!({"source": "proxima.month-end"}), &tz, now).unwrap();
        assert_eq!(scheduled.to_string(), "2026-10");
        assert!(period_of(&json!({"period": "2026-13"}), &tz, now).is_err());
    }
}

/// `shared/src/fan_out/sqs_batch.rs` (the month-end worker's batch handler).
mod month_end_worker {
    use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
    use proxima::fan_out::sqs_batch::delivery;
    #[test]
    fn the_receive_count_comes_from_the_message_attributes() {
        let event: SqsEvent = serde_json::from_value(serde_json::json!({"Records": [{
            "messageId": "m1", "receiptHandle": "r1", "body": "{}",
            "attributes": {"ApproximateReceiveCount": "3", "SentTimestamp": "1793592000000",
                "SenderId": "AIDAEXAMPLE", "ApproximateFirstReceiveTimestamp": "1793592000001"},
            "messageAttributes": {}, "md5OfBody": "99914b932bd37a50b983c5e7c90ae93b",
            "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:q",
            "awsRegion": "us-east-1"}]}))
        .unwrap();
        let d = delivery(&event.records[0], 3);
        assert_eq!(d.receive_count, 3);
        assert!(d.is_last());
        assert!(!delivery(&SqsMessage::default(), 3).is_last());
    }
}

/// `functions/import/src/lib.rs`.
mod import {
    use fn_import::decode;
    #[test]
    fn decodes_event_keys() {
        assert_eq!(
            decode("imports/Tempo+export%20Oct.csv"),
            "imports/Tempo export Oct.csv"
        );
        assert_eq!(decode("imports/a%2Bb.csv"), "imports/a+b.csv");
        assert_eq!(decode("imports/100%"), "imports/100%");
    }
}

/// `tests/src/cfn.rs`.
mod cfn {
    use proxima_tests::cfn::*;
    use serde_json::json;
    use yaml_serde::Value as Yaml;
    #[test]
    fn string_like_matches_as_iam_does() {
        assert!(string_like("USER#*", "USER#a@b"));
        assert!(string_like("*", "USER#a@b"));
        assert!(string_like("U?ER#*", "USER#a@b"));
        assert!(!string_like("CLIENT#*", "USER#a@b"));
        assert!(!string_like("ACTIVE_CLIENTS", "ACTIVE_CLIENTS2"));
        assert!(grants("s3:Delete*", "s3:DeleteObjectVersion"));
        assert!(!grants("s3:GetObject", "s3:DeleteObject"));
    }

    #[test]
    fn short_form_intrinsics_become_long_form() {
        let y: Yaml =
            yaml_serde::from_str("a: !GetAtt T.Arn\nb: !Ref P\nc: !Sub \"${T.Arn}/x\"").unwrap();
        let j = long_form(&y);
        assert_eq!(j["a"], json!({"Fn::GetAtt": ["T", "Arn"]}));
        assert!(refers_to(&j["b"], "P") && refers_to(&j["c"], "T"));
        assert!(!refers_to(&j["c"], "Table"));
    }
}
