//! A decoded answer that keeps the bytes it was decoded from, so a caller can show the
//! typed value or pass the raw body on unchanged (the CLI's `--json`).

use std::ops::Deref;

use bytes::Bytes;

/// A typed answer plus its raw body. Derefs to the value.
#[derive(Debug, Clone)]
pub struct ApiResponse<T> {
    pub status: u16,
    pub value: T,
    /// The body exactly as the gateway sent it.
    pub body: Bytes,
}

impl<T> ApiResponse<T> {
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for ApiResponse<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

/// Items gathered over every page of a Graph list, with each page's raw body in order.
#[derive(Debug, Clone)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub pages: Vec<Bytes>,
}
