//! Lambda entry point of the invoices function.

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    proxima::http::lambda::serve(fn_invoices::router).await
}
