//! The demo application: three routes and a latency knob, on the app API.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /` | a small HTML index linking the others |
//! | `GET /hello/{name}` | `Hello, {name}!` as text, `name` percent-decoded |
//! | `GET /data` | a JSON document (serde_json) |
//! | `?delay_ms=N` on any of them | the same answer, N milliseconds later |
//!
//! The routes are an [`App`] ([`demo_app`]; [`demo_async_app`] for aio).
//! `HEAD` is answered like `GET` without the body. [`route`] does not sleep:
//! it returns the delay in [`Routed::delay`], and the backend sleeps its own
//! way (a coroutine sleep on gevent, a timer future on aio, a thread sleep
//! on threads). That is what makes the same router serve every model.
//!
//! ```
//! use corolab::http::request::{parse_request, Parsed};
//! use corolab::http::routes::route;
//! use std::time::Duration;
//!
//! let Ok(Parsed::Complete(req, _)) = parse_request(b"GET /hello/Ada%20L?delay_ms=250 HTTP/1.1\r\nHost: x\r\n\r\n")
//! else { panic!() };
//! let routed = route(&req);
//! assert_eq!(routed.response.status.0, 200);
//! assert_eq!(&*routed.response.body, b"Hello, Ada L!\n");
//! assert_eq!(routed.delay, Duration::from_millis(250));
//! ```
#![forbid(unsafe_code)]

use super::app::{App, WebRequest};
use super::app_async::AsyncApp;
use super::request::Request;
use super::response::{Response, StatusCode};
use std::sync::OnceLock;
use std::time::Duration;

/// A response, and how long to wait before sending it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Routed {
    /// The answer.
    pub response: Response,
    /// How long the handler "works" before answering (`?delay_ms=N`).
    pub delay: Duration,
}

/// The index page.
pub const INDEX_HTML: &str = "<!doctype html>
<html><head><meta charset=\"utf-8\"><title>corolab</title></head>
<body>
<h1>corolab</h1>
<p>One HTTP server, every concurrency model.</p>
<ul>
<li><a href=\"/hello/world\">/hello/{name}</a>: a greeting</li>
<li><a href=\"/data\">/data</a>: a JSON document</li>
<li><a href=\"/hello/world?delay_ms=500\">?delay_ms=N</a>: any route, N ms later</li>
</ul>
</body></html>
";

/// The document `/data` serves.
#[derive(Debug, serde::Serialize)]
struct Data {
    service: &'static str,
    models: [&'static str; 5],
    routes: [&'static str; 3],
}

/// The body `/data` serves: serialized once, served without copying.
pub fn data_json() -> &'static [u8] {
    static DATA: OnceLock<Vec<u8>> = OnceLock::new();
    DATA.get_or_init(|| {
        let data = Data {
            service: "corolab",
            models: ["generator", "greenlet", "gevent", "aio", "threads"],
            routes: ["/", "/hello/{name}", "/data"],
        };
        let mut body = serde_json::to_vec_pretty(&data).expect("plain data serializes");
        body.push(b'\n');
        body
    })
}

/// The body `/hello/{name}` serves for `name` (already decoded).
pub fn greeting(name: &str) -> String {
    format!("Hello, {name}!\n")
}

// ANCHOR: demo
/// The demo app's handlers, written against the app API: each is a plain
/// function, and [`demo_async_app`] wraps the same ones for aio.
pub fn index(_: &WebRequest) -> Response {
    Response::with_type(StatusCode::OK, "text/html; charset=utf-8", INDEX_HTML.as_bytes())
}

/// `GET /hello/{name}`: a plain-text greeting (text, so the name needs no
/// escaping; `X-Content-Type-Options: nosniff` stops a browser guessing HTML).
pub fn hello(req: &WebRequest) -> Response {
    Response::text(StatusCode::OK, greeting(req.match_info("name").unwrap_or_default()))
}

/// `GET /data`: the JSON document.
pub fn data(_: &WebRequest) -> Response {
    Response::with_type(StatusCode::OK, "application/json", data_json())
}

/// The app `corolab serve http` runs on the blocking backends.
pub fn demo_app() -> App {
    App::new().get("/", index).get("/hello/{name}", hello).get("/data", data).with_delay_knob()
}

/// The same app for aio, its handlers as `async` blocks.
pub fn demo_async_app() -> AsyncApp {
    AsyncApp::new()
        .get("/", |req| async move { index(&req) })
        .get("/hello/{name}", |req| async move { hello(&req) })
        .get("/data", |req| async move { data(&req) })
        .with_delay_knob()
}
// ANCHOR_END: demo

// ANCHOR: route
/// Answers one request with the demo app. Never sleeps and never panics:
/// bad input is a 4xx.
pub fn route(req: &Request) -> Routed {
    static APP: OnceLock<App> = OnceLock::new();
    APP.get_or_init(demo_app).handle(req.clone())
}
// ANCHOR_END: route

/// Decodes `%XX` escapes; `None` when an escape is broken or the result is
/// not UTF-8. (`+` stays `+`: it means a space only in form data.)
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None; // from_str_radix alone would take "+5"
            }
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::{Parsed, parse_request};

    fn get(target: &str, method: &str) -> Routed {
        let bytes = format!("{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        match parse_request(bytes.as_bytes()) {
            Ok(Parsed::Complete(req, _)) => route(&req),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn each_route_answers_with_its_content() {
        assert_eq!(get("/", "GET").response.body, INDEX_HTML.as_bytes());
        assert_eq!(get("/hello/bob", "GET").response.body, &b"Hello, bob!\n"[..]);
        let json: serde_json::Value = serde_json::from_slice(&get("/data", "GET").response.body).unwrap();
        assert_eq!(json["service"], "corolab");
    }

    #[test]
    fn unknown_paths_are_404_and_wrong_methods_405() {
        for path in ["/nope", "/hello/", "/hello/a/b", "/data/x"] {
            assert_eq!(get(path, "GET").response.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = get("/data", "POST").response;
        assert_eq!((r.status, r.allow), (StatusCode::METHOD_NOT_ALLOWED, Some("GET, HEAD")));
    }

    #[test]
    fn delay_is_returned_not_slept_and_bad_delays_are_400() {
        assert_eq!(get("/?delay_ms=1500", "GET").delay, Duration::from_millis(1500));
        assert_eq!(get("/?x=1&delay_ms=7&y", "GET").delay, Duration::from_millis(7));
        for bad in ["-1", "x", "", "60001", "99999999999999999999999"] {
            let r = get(&format!("/data?delay_ms={bad}"), "GET");
            assert_eq!(r.response.status, StatusCode::BAD_REQUEST, "{bad:?}");
        }
    }

    #[test]
    fn percent_decoding_handles_utf8_and_rejects_broken_escapes() {
        assert_eq!(percent_decode("w%C3%B6rld%21").as_deref(), Some("wörld!"));
        assert_eq!(percent_decode("a+b").as_deref(), Some("a+b"));
        for bad in ["%", "%4", "%zz", "%+5", "%FF", "%C3"] {
            assert_eq!(percent_decode(bad), None, "{bad}");
        }
        assert_eq!(get("/hello/%zz", "GET").response.status, StatusCode::BAD_REQUEST);
    }
}
