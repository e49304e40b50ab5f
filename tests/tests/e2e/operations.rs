//! What `template.yaml` deploys to run the service: bounded login concurrency, logs with a
//! retention, failed asynchronous events kept in queues, and alarms on errors, throttles,
//! 5xx and those queues.

use proxima_tests::cfn::{
    function_property, functions, number_or_default, parameter_default, referred, refers_to,
    resource, resources, template,
};
use serde_json::Value;

/// Event sources that invoke a function asynchronously.
const ASYNC_EVENTS: &[&str] = &["S3", "Schedule", "ScheduleV2", "SNS", "EventBridgeRule"];

#[test]
fn logins_cannot_take_the_whole_account_concurrency() {
    let doc = template();
    let auth = resource(&doc, "AuthFunction");
    let reserved = &auth["Properties"]["ReservedConcurrentExecutions"];
    let n = number_or_default(&doc, reserved)
        .unwrap_or_else(|| panic!("auth has a reserved concurrency: {reserved}"));
    assert!((1.0..=50.0).contains(&n), "{n}");
    let memory = number_or_default(&doc, function_property(&doc, auth, "MemorySize"));
    assert!(memory >= Some(256.0), "Argon2 needs memory: {memory:?}");
}

/// The log group resource a value refers to, checked to have a retention.
fn log_group_with_retention<'a>(doc: &'a Value, v: &Value, whose: &str) -> &'a str {
    let (id, group) = referred(doc, v, "AWS::Logs::LogGroup")
        .unwrap_or_else(|| panic!("{whose} logs to a log group of the template: {v}"));
    let days = number_or_default(doc, &group["Properties"]["RetentionInDays"]);
    assert!(
        days.is_some_and(|d| d >= 1.0),
        "{id} has a retention: {days:?}"
    );
    id
}

#[test]
fn every_function_logs_json_to_its_own_group_with_a_retention() {
    let doc = template();
    let mut groups = Vec::new();
    for (id, f) in functions(&doc) {
        let logging = &f["Properties"]["LoggingConfig"];
        groups.push(log_group_with_retention(&doc, &logging["LogGroup"], id));
        let format = match &logging["LogFormat"] {
            Value::Null => &doc["Globals"]["Function"]["LoggingConfig"]["LogFormat"],
            v => v,
        };
        assert_eq!(*format, "JSON", "{id}");
    }
    let n = groups.len();
    groups.sort();
    groups.dedup();
    assert_eq!(groups.len(), n, "one group per function");
    assert_eq!(*parameter_default(&doc, "LogRetentionDays"), 90);
}

/// The alarm on `metric` in `namespace` whose dimension `dimension` refers to `target`.
fn alarm<'a>(
    doc: &'a Value,
    namespace: &str,
    metric: &str,
    dimension: &str,
    target: &str,
) -> Option<&'a Value> {
    resources(doc, "AWS::CloudWatch::Alarm")
        .into_iter()
        .map(|(_, a)| &a["Properties"])
        .find(|p| {
            p["Namespace"] == namespace
                && p["MetricName"] == metric
                && p["Dimensions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .any(|d| d["Name"] == dimension && refers_to(&d["Value"], target))
        })
}

/// An alarm that fires on the first occurrence and notifies the alarm topic.
fn fires_on_any(doc: &Value, p: &Value) -> bool {
    let threshold = p["Threshold"].as_f64().unwrap_or(f64::NAN);
    let op = p["ComparisonOperator"].as_str().unwrap_or_default();
    let any = (op == "GreaterThanThreshold" && threshold < 1.0)
        || (op == "GreaterThanOrEqualToThreshold" && threshold <= 1.0);
    any && referred(doc, &p["AlarmActions"], "AWS::SNS::Topic").is_some()
}

#[test]
fn every_function_alarms_on_errors_and_throttles() {
    let doc = template();
    for (id, _) in functions(&doc) {
        for metric in ["Errors", "Throttles"] {
            let a = alarm(&doc, "AWS/Lambda", metric, "FunctionName", id)
                .unwrap_or_else(|| panic!("{id} has no {metric} alarm"));
            assert!(fires_on_any(&doc, a), "{id} {metric}: {a}");
        }
    }
}

#[test]
fn failed_async_events_land_in_queues_that_alarm() {
    let doc = template();
    let mut checked = Vec::new();
    for (id, f) in functions(&doc) {
        let events: Vec<&Value> = f["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(_, e)| e)
            .filter(|e| ASYNC_EVENTS.iter().any(|t| e["Type"] == *t))
            .collect();
        if events.is_empty() {
            continue;
        }
        let config = &f["Properties"]["EventInvokeConfig"];
        assert!(config["MaximumRetryAttempts"].is_number(), "{id}: {config}");
        let on_failure = &config["DestinationConfig"]["OnFailure"];
        assert_eq!(on_failure["Type"], "SQS", "{id}: {config}");
        let mut queues = vec![on_failure["Destination"].clone()];
        // A schedule can fail before the function runs: that goes to a queue too.
        for e in events.iter().filter(|e| e["Type"] == "ScheduleV2") {
            queues.push(e["Properties"]["DeadLetterConfig"]["Arn"].clone());
        }
        for q in queues {
            let (queue, _) = referred(&doc, &q, "AWS::SQS::Queue")
                .unwrap_or_else(|| panic!("{id}: {q} is a queue of the template"));
            let a = alarm(
                &doc,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                queue,
            )
            .unwrap_or_else(|| panic!("{queue} has no depth alarm"));
            assert!(fires_on_any(&doc, a), "{queue}: {a}");
        }
        checked.push(id);
    }
    checked.sort();
    assert_eq!(
        checked,
        [
            "ImportFunction",
            "MonthEndFunction",
            "RatesFunction",
            "RemindersFunction"
        ]
    );
}

#[test]
fn the_api_alarms_on_5xx_and_logs_every_request() {
    let doc = template();
    let (api, props) = resources(&doc, "AWS::Serverless::HttpApi")
        .into_iter()
        .map(|(id, r)| (id, &r["Properties"]))
        .next()
        .expect("an HTTP API");
    let a = alarm(&doc, "AWS/ApiGateway", "5xx", "ApiId", api).expect("a 5xx alarm on the API");
    assert!(fires_on_any(&doc, a), "{a}");

    let logs = &props["AccessLogSettings"];
    let group = log_group_with_retention(&doc, &logs["DestinationArn"], api);
    assert!(
        !resources(&doc, "AWS::Serverless::Function")
            .iter()
            .any(|(_, f)| refers_to(&f["Properties"]["LoggingConfig"], group)),
        "the access log has a group of its own"
    );
    let format: Value = serde_json::from_str(logs["Format"].as_str().expect("a format"))
        .expect("the access log format is one JSON object");
    assert_eq!(format["requestId"], "$context.requestId");
    let all = format.to_string();
    for var in [
        "$context.identity.sourceIp",
        "$context.routeKey",
        "$context.status",
        "$context.responseLatency",
        "$context.integrationErrorMessage",
    ] {
        assert!(all.contains(var), "access log lacks {var}: {all}");
    }
}

#[test]
fn the_alarm_email_is_optional() {
    let doc = template();
    assert_eq!(*parameter_default(&doc, "AlarmEmail"), "");
    let subscriptions = resources(&doc, "AWS::SNS::Subscription");
    assert!(!subscriptions.is_empty());
    for (id, s) in subscriptions {
        assert_eq!(s["Condition"], "HasAlarmEmail", "{id}");
    }
}

#[test]
fn queue_workers_report_batch_failures_and_dead_letter_to_an_alarmed_queue() {
    let doc = template();
    let mut checked = Vec::new();
    for (id, f) in functions(&doc) {
        for (_, e) in f["Properties"]["Events"].as_object().into_iter().flatten() {
            if e["Type"] != "SQS" {
                continue;
            }
            let p = &e["Properties"];
            // Only failed messages come back, not the whole batch.
            assert_eq!(
                p["FunctionResponseTypes"],
                serde_json::json!(["ReportBatchItemFailures"]),
                "{id}"
            );
            let batch = p["BatchSize"].as_f64().unwrap_or(0.0);
            assert!((1.0..=10.0).contains(&batch), "{id}: BatchSize {batch}");
            assert!(
                p["ScalingConfig"]["MaximumConcurrency"].as_f64().is_some(),
                "{id}: the worker's concurrency is bounded"
            );
            let (queue, q) = referred(&doc, &p["Queue"], "AWS::SQS::Queue")
                .unwrap_or_else(|| panic!("{id}: its queue is in the template"));
            let props = &q["Properties"];
            // A message must not come back while its worker may still be running.
            let visibility = props["VisibilityTimeout"].as_f64().unwrap_or(30.0);
            let timeout =
                number_or_default(&doc, function_property(&doc, f, "Timeout")).expect("a timeout");
            assert!(
                visibility >= timeout,
                "{queue}: {visibility} s < {timeout} s"
            );
            let redrive = &props["RedrivePolicy"];
            let max = redrive["maxReceiveCount"]
                .as_f64()
                .expect("maxReceiveCount");
            assert!(max >= 2.0, "{queue}: retried before dead-lettering");
            // The worker knows which delivery is the last (its failure is final).
            let env = f["Properties"]["Environment"]["Variables"]
                .as_object()
                .and_then(|vars| {
                    vars.iter()
                        .find(|(name, _)| name.ends_with("_MAX_RECEIVES"))
                        .map(|(_, v)| v.clone())
                })
                .unwrap_or_default();
            assert_eq!(
                env.as_str().and_then(|v| v.parse::<f64>().ok()),
                Some(max),
                "{id}: its *_MAX_RECEIVES is the queue's maxReceiveCount"
            );
            let (dlq, _) = referred(&doc, &redrive["deadLetterTargetArn"], "AWS::SQS::Queue")
                .unwrap_or_else(|| panic!("{queue} dead-letters to a queue of the template"));
            let a = alarm(
                &doc,
                "AWS/SQS",
                "ApproximateNumberOfMessagesVisible",
                "QueueName",
                dlq,
            )
            .unwrap_or_else(|| panic!("{dlq} has no depth alarm"));
            assert!(fires_on_any(&doc, a), "{dlq}: {a}");
            checked.push(id);
        }
    }
    assert_eq!(checked, ["MonthEndWorkerFunction", "RemindersFunction"]);
    // The schedule's function may only send to that queue.
    let schedule = resource(&doc, "MonthEndFunction");
    let sends: Vec<Value> = proxima_tests::cfn::statements("MonthEndFunction", schedule)
        .into_iter()
        .filter(|s| s.to_string().contains("sqs:"))
        .collect();
    assert_eq!(sends.len(), 1, "{sends:?}");
    assert_eq!(sends[0]["Action"], "sqs:SendMessage");
    assert!(refers_to(&sends[0]["Resource"], "MonthEndQueue"));
}

#[test]
fn the_events_relay_reads_only_new_outbox_items_and_keeps_what_it_could_not_publish() {
    let doc = template();
    let relay = resource(&doc, "EventsRelayFunction");
    let table = resource(&doc, "InvoiceTable");
    assert_eq!(
        table["Properties"]["StreamSpecification"]["StreamViewType"],
        "NEW_IMAGE"
    );
    let sources: Vec<&Value> = relay["Properties"]["Events"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(_, e)| e)
        .collect();
    assert_eq!(sources.len(), 1);
    let p = &sources[0]["Properties"];
    assert_eq!(sources[0]["Type"], "DynamoDB");
    assert!(refers_to(&p["Stream"], "InvoiceTable"), "{p}");
    // Every event since the stream began, in order; only failed records come back.
    assert_eq!(p["StartingPosition"], "TRIM_HORIZON");
    assert_eq!(
        p["FunctionResponseTypes"],
        serde_json::json!(["ReportBatchItemFailures"])
    );
    assert_eq!(
        p["BatchSize"].as_u64(),
        Some(u64::from(proxima_infra::outbox_source::BATCH_SIZE)),
        "the local relay hands over batches of the same size"
    );
    // Only new outbox items: not the item's removal, not any other item.
    let pattern: Value = serde_json::from_str(
        p["FilterCriteria"]["Filters"][0]["Pattern"]
            .as_str()
            .expect("a filter pattern"),
    )
    .expect("the pattern is JSON");
    assert_eq!(pattern["eventName"], serde_json::json!(["INSERT"]));
    assert_eq!(
        pattern["dynamodb"]["Keys"]["pk"]["S"],
        serde_json::json!(["OUTBOX"])
    );
    // Retried a bounded number of times, then described in an alarmed queue.
    assert!(
        p["MaximumRetryAttempts"].as_u64().is_some_and(|n| n >= 10),
        "{p}"
    );
    let on_failure = &p["DestinationConfig"]["OnFailure"];
    let (queue, _) = referred(&doc, &on_failure["Destination"], "AWS::SQS::Queue")
        .unwrap_or_else(|| panic!("the relay's failures go to a queue: {on_failure}"));
    let a = alarm(
        &doc,
        "AWS/SQS",
        "ApproximateNumberOfMessagesVisible",
        "QueueName",
        queue,
    )
    .unwrap_or_else(|| panic!("{queue} has no depth alarm"));
    assert!(fires_on_any(&doc, a), "{queue}: {a}");
    // A relay falling behind alarms too.
    let age = alarm(
        &doc,
        "AWS/Lambda",
        "IteratorAge",
        "FunctionName",
        "EventsRelayFunction",
    )
    .expect("an iterator age alarm");
    assert!(
        age["Threshold"].as_f64().is_some_and(|ms| ms <= 900_000.0)
            && referred(&doc, &age["AlarmActions"], "AWS::SNS::Topic").is_some(),
        "{age}"
    );
}
