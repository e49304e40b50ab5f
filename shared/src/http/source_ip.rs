//! `SourceIp`: the caller's IP address as the network saw it, for per-source limits. Behind
//! API Gateway it is the HTTP API's `requestContext.http.sourceIp` (set by API Gateway from
//! the connection; a client cannot choose it with a header); on the local server it is the
//! TCP peer address. `X-Forwarded-For` is never trusted.

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use lambda_http::request::RequestContext;
use std::convert::Infallible;
use std::net::SocketAddr;

/// The caller's IP address, or `unknown` when neither API Gateway nor the connection says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for SourceIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if let Some(RequestContext::ApiGatewayV2(ctx)) = parts.extensions.get::<RequestContext>()
            && let Some(ip) = ctx.http.source_ip.as_deref().filter(|ip| is_ip(ip))
        {
            return Ok(SourceIp(ip.to_string()));
        }
        if let Some(ConnectInfo(addr)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() {
            return Ok(SourceIp(addr.ip().to_string()));
        }
        Ok(SourceIp("unknown".into()))
    }
}

fn is_ip(s: &str) -> bool {
    s.parse::<std::net::IpAddr>().is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequestContext;

    async fn source_of(req: axum::http::Request<()>) -> String {
        let (mut parts, ()) = req.into_parts();
        SourceIp::from_request_parts(&mut parts, &())
            .await
            .map(|s| s.0)
            .unwrap_or_default()
    }

    #[tokio::test]
    async fn api_gateway_source_ip_wins_and_forwarding_headers_are_ignored() {
        let mut ctx = ApiGatewayV2httpRequestContext::default();
        ctx.http.source_ip = Some("203.0.113.7".into());
        let mut req = axum::http::Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .header("x-real-ip", "198.51.100.2")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(RequestContext::ApiGatewayV2(ctx));
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([10, 0, 0, 1], 4000))));
        assert_eq!(source_of(req).await, "203.0.113.7");
    }

    #[tokio::test]
    async fn the_peer_address_locally_and_never_a_header() {
        let mut req = axum::http::Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .body(())
            .unwrap();
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 9], 4000))));
        assert_eq!(source_of(req).await, "127.0.0.9");
        let bare = axum::http::Request::builder()
            .header("x-forwarded-for", "198.51.100.1")
            .body(())
            .unwrap();
        assert_eq!(source_of(bare).await, "unknown");
    }
}
