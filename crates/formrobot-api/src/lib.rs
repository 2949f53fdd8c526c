//! The Resource Request API's payloads: what an LIR POSTs as JSON to ask for
//! an AS number (or a first IPv4 or IPv6 allocation, or an IPv6 PI
//! assignment), read and validated the way the mail forms are.
//!
//! This crate is one of the pipeline's pure stages: a parsed JSON value, the
//! registry to look references up in and the policy in, a typed
//! [`request::ResourceRequest`] or every problem out. The HTTP server, the
//! keys and the tickets live in the shell. Values are checked by the form
//! engine's own syntax classes and routing policy parser, so a request is
//! held to the same rules whichever way it arrives.
//!
//! Every problem is an [`ApiError`] with the JSON path of what it is about:
//! `obj` for the root (as the API's documentation writes it), and paths such
//! as `requestContent.peeringPartners[1].asn` below it. A missing field is
//! reported at the object that should hold it.
//!
//! ```
//! use formrobot_api::validate::Rejection;
//! use formrobot_api::{validate, Policy, RequestType};
//! use formrobot_engine::validate::registry::EmptyRegistry;
//!
//! let body = serde_json::json!({
//!     "requestType": "AsnAssignment",
//!     "contactPreferred": false,
//!     "contactPersonName": "Tom Smith",
//!     "contactPersonEmail": "tom.smith@example.org",
//!     "requestContent": {"asnName": "as-123-!"}
//! });
//! let Err(Rejection::Invalid(errors)) = validate(RequestType::AsnAssignment, &body, &Policy::default(), &EmptyRegistry)
//! else {
//!     panic!("the request is incomplete")
//! };
//! assert!(errors.iter().any(|e| e.path == "requestContent" && e.msg.contains("adminc")));
//! assert!(errors.iter().any(|e| e.path == "requestContent.asnName"));
//! ```

pub mod json;
pub mod objects;
pub mod request;
pub mod validate;

pub use request::{RequestType, ResourceRequest};
pub use validate::{validate, Policy, Rejection};

use serde::Serialize;

/// One problem with a request: where, and what, in words for the person who sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiError {
    /// The JSON path of the value (or of the object missing a field): `obj`, `requestContent.asnName`.
    pub path: String,
    /// What is wrong.
    pub msg: String,
}

/// The body of a 400 answer: `{"errors": [{"path", "msg"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ErrorBody {
    /// Every problem found.
    pub errors: Vec<ApiError>,
}

impl ErrorBody {
    /// One problem about the request as a whole (`obj`), such as unreadable JSON.
    pub fn single(msg: impl Into<String>) -> ErrorBody {
        ErrorBody { errors: vec![ApiError { path: json::ROOT.to_owned(), msg: msg.into() }] }
    }
}
