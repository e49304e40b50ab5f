//! The seed's response envelope: `{"data": X, "error": null}` for one item,
//! `{"data": [...], "meta": {...}}` for a page.

use crate::domain::Page;
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A single item: `{"data": X, "error": null}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Data<T> {
    pub data: T,
    /// Always null on success.
    #[schema(value_type = Option<Object>)]
    pub error: Option<()>,
    #[serde(skip)]
    status: StatusCode,
}

impl<T> Data<T> {
    /// 200 with `data`.
    pub fn ok(data: T) -> Self {
        Self {
            data,
            error: None,
            status: StatusCode::OK,
        }
    }

    /// 201 with `data`.
    pub fn created(data: T) -> Self {
        Self {
            data,
            error: None,
            status: StatusCode::CREATED,
        }
    }
}

impl<T: Serialize> IntoResponse for Data<T> {
    fn into_response(self) -> Response {
        (self.status, Json(&self)).into_response()
    }
}

/// Pagination metadata with the true total.
#[derive(Debug, Serialize, ToSchema)]
pub struct Meta {
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// A page: `{"data": [...], "meta": {"total", "page", "per_page"}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Paged<T> {
    pub data: Vec<T>,
    pub meta: Meta,
}

impl<T> From<Page<T>> for Paged<T> {
    fn from(page: Page<T>) -> Self {
        Self {
            data: page.items,
            meta: Meta {
                total: page.total,
                page: page.request.number(),
                per_page: page.request.per_page,
                next_cursor: page.next.map(|c| c.encode()),
            },
        }
    }
}

impl<T: Serialize> IntoResponse for Paged<T> {
    fn into_response(self) -> Response {
        Json(self).into_response()
    }
}

/// A response that no cache may keep (`Cache-Control: no-store`): tokens and presigned
/// document URLs are secrets for as long as they live.
#[derive(Debug)]
pub struct NoStore<R>(pub R);

impl<R: IntoResponse> IntoResponse for NoStore<R> {
    fn into_response(self) -> Response {
        let mut response = self.0.into_response();
        response.headers_mut().insert(
            axum::http::header::CACHE_CONTROL,
            axum::http::HeaderValue::from_static("no-store"),
        );
        response
    }
}
