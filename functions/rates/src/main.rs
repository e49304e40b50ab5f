//! Lambda entry point of the rates function (EventBridge Scheduler): DynamoDB and the
//! Central Bank's archive over HTTPS.

use lambda_runtime::{LambdaEvent, service_fn};
use proxima::state::ColdStart;
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    let cold = ColdStart::begin().await?;
    let config = fn_rates::RatesConfig::from_env()?;
    let source =
        proxima::store::cbu::CbuRates::new(&config.base_url, std::time::Duration::from_secs(10))?;
    let state = cold.dynamodb();
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| {
        let (state, source, config) = (state.clone(), source.clone(), config.clone());
        async move {
            let report = fn_rates::handle(
                state.rates.as_ref(),
                &source,
                &event.payload,
                &config,
                chrono::Utc::now(),
            )
            .await?;
            Ok::<Value, lambda_runtime::Error>(serde_json::to_value(&report)?)
        }
    }))
    .await
}
