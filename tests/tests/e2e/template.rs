//! The table the local stack runs on is the one `template.yaml` deploys, and the keys the
//! code uses exist in it.

use proxima::store::dynamo::keys;
use proxima_infra::template;
use proxima_tests::spawn_app;

#[tokio::test]
async fn provisioned_table_matches_the_template() {
    let app = spawn_app().await;
    let spec = template::invoice_table().unwrap();

    let table = app
        .dynamodb
        .describe_table()
        .table_name(&app.table)
        .send()
        .await
        .unwrap()
        .table
        .unwrap();

    let key_schema: Vec<(String, String)> = table
        .key_schema()
        .iter()
        .map(|k| {
            (
                k.attribute_name().to_string(),
                k.key_type().as_str().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, String)> = spec
        .key_schema
        .iter()
        .map(|k| (k.attribute.clone(), k.key_type.clone()))
        .collect();
    assert_eq!(key_schema, expected);
    assert_eq!(expected[0].0, keys::PK);
    assert_eq!(expected[1].0, keys::SK);

    let mut attrs: Vec<(String, String)> = table
        .attribute_definitions()
        .iter()
        .map(|a| {
            (
                a.attribute_name().to_string(),
                a.attribute_type().as_str().to_string(),
            )
        })
        .collect();
    attrs.sort();
    let mut expected_attrs = spec.attributes.clone();
    expected_attrs.sort();
    assert_eq!(attrs, expected_attrs);

    let indexes = table.global_secondary_indexes();
    assert_eq!(indexes.len(), spec.indexes.len());
    for want in &spec.indexes {
        let got = indexes
            .iter()
            .find(|i| i.index_name() == Some(want.name.as_str()))
            .unwrap_or_else(|| panic!("index {} missing", want.name));
        let got_keys: Vec<&str> = got
            .key_schema()
            .iter()
            .map(|k| k.attribute_name())
            .collect();
        let want_keys: Vec<&str> = want
            .key_schema
            .iter()
            .map(|k| k.attribute.as_str())
            .collect();
        assert_eq!(got_keys, want_keys);
    }
    let gsi1 = spec
        .indexes
        .iter()
        .find(|i| i.name == keys::GSI1)
        .expect("gsi1 in template");
    assert_eq!(gsi1.key_schema[0].attribute, keys::GSI1PK);
    assert_eq!(gsi1.key_schema[1].attribute, keys::GSI1SK);
    assert_eq!(
        table
            .billing_mode_summary()
            .and_then(|b| b.billing_mode())
            .map(|b| b.as_str()),
        Some(spec.billing_mode.as_str())
    );

    app.s3
        .head_bucket()
        .bucket(&app.bucket)
        .send()
        .await
        .expect("bucket exists");
    app.s3
        .head_bucket()
        .bucket(proxima_infra::provision::archive_bucket_name(&app.bucket).unwrap())
        .send()
        .await
        .expect("archive bucket exists");
}

#[tokio::test]
async fn provisioning_twice_is_harmless() {
    let app = spawn_app().await;
    proxima_infra::provision::provision(&app.dynamodb, &app.s3, &app.table, &app.bucket)
        .await
        .expect("second provisioning");
}

#[tokio::test]
async fn provisioned_month_end_queue_dead_letters_as_the_template_says() {
    use aws_sdk_sqs::types::QueueAttributeName as A;
    let app = spawn_app().await;
    let sqs = proxima::store::aws::sqs_client(
        &proxima::store::aws::sdk_config(Some(&app.endpoint)).await,
    );
    let doc = template::document(template::TEMPLATE_YAML).unwrap();
    let spec = template::queue_spec(&doc, template::MONTH_END_QUEUE_RESOURCE).unwrap();
    let queues = proxima_infra::provision::ensure_month_end_queues(&sqs, &app.table, None)
        .await
        .unwrap();
    let attributes = sqs
        .get_queue_attributes()
        .queue_url(&queues.queue_url)
        .attribute_names(A::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap();
    assert_eq!(
        attributes[&A::VisibilityTimeout].parse::<u64>().ok(),
        spec.visibility_timeout_secs
    );
    let redrive: serde_json::Value = serde_json::from_str(&attributes[&A::RedrivePolicy]).unwrap();
    let (_, max) = spec.redrive.unwrap();
    assert_eq!(redrive["maxReceiveCount"].as_u64(), Some(max));
    assert_eq!(u64::from(queues.max_receives), max);
    assert!(
        redrive["deadLetterTargetArn"]
            .as_str()
            .is_some_and(|arn| arn.ends_with("-month-end-dlq")),
        "{redrive}"
    );
    // Provisioning again is harmless.
    ensure_again(&sqs, &app.table).await;
}

async fn ensure_again(sqs: &aws_sdk_sqs::Client, prefix: &str) {
    proxima_infra::provision::ensure_month_end_queues(sqs, prefix, None)
        .await
        .expect("second provisioning");
}
