//! An aiohttp-style application: handlers registered by method and path.
//!
//! In aiohttp a web app is a table of routes, each a method, a path
//! pattern and a handler:
//!
//! ```python
//! routes = web.RouteTableDef()
//!
//! @routes.get('/hello/{name}')
//! async def hello(request):
//!     return web.Response(text=f"Hello, {request.match_info['name']}!")
//! ```
//!
//! [`App`] is that table for the blocking backends (threads, gevent, may):
//! a handler is a plain function from a [`WebRequest`] to a [`Response`],
//! and may block the backend's way (`gevent::sleep` parks only its
//! greenlet). [`AsyncApp`](super::app_async::AsyncApp) is the same table
//! with `async` handlers, for aio. Both share the [`Router`] and the
//! request and response helpers here, so a route means the same thing on
//! every backend:
//!
//! - a pattern is literal segments and `{name}` segments, each `{name}`
//!   matching one non-empty segment, percent-decoded into
//!   [`WebRequest::match_info`] (a broken escape is a 400);
//! - no pattern matches the path: 404; a pattern matches but not for this
//!   method: 405 with an `Allow` header naming the methods that would do;
//! - `GET` routes answer `HEAD` too, without the body;
//! - [`json_response`] serializes with serde, [`html_response`] sends
//!   HTML, and [`escape_html`] is what a handler echoing input into HTML
//!   must call.
//!
//! ```
//! use corolab::http::app::{App, WebRequest, escape_html, html_response};
//! use corolab::http::request::{Parsed, parse_request};
//!
//! fn hello(req: &WebRequest) -> corolab::http::Response {
//!     let name = req.match_info("name").unwrap_or("nobody");
//!     html_response(format!("<p>Hello, {}!</p>\n", escape_html(name)))
//! }
//!
//! let app = App::new().get("/hello/{name}", hello);
//! let Ok(Parsed::Complete(req, _)) = parse_request(b"GET /hello/%3Cb%3E HTTP/1.1\r\nHost: x\r\n\r\n")
//! else { panic!() };
//! assert_eq!(&*app.handle(req).response.body, b"<p>Hello, &lt;b&gt;!</p>\n");
//! ```
#![forbid(unsafe_code)]

use super::MAX_DELAY_MS;
use super::request::Request;
use super::response::{Response, StatusCode};
use super::routes::{Routed, percent_decode};
use std::collections::BTreeSet;
use std::sync::Mutex;
use std::time::Duration;

/// One request as a handler sees it: the request, and what its route's
/// pattern captured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebRequest {
    /// The parsed request (method, target, headers, body).
    pub request: Request,
    match_info: Vec<(String, String)>,
}

impl WebRequest {
    /// A request with no path parameters (what a test hands a handler).
    pub fn new(request: Request) -> WebRequest {
        WebRequest { request, match_info: Vec::new() }
    }

    /// The path parameter `name` (`{name}` in the pattern), decoded:
    /// aiohttp's `request.match_info['name']`.
    pub fn match_info(&self, name: &str) -> Option<&str> {
        self.match_info.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// The first query parameter `name`, decoded (`+` is a space, as in
    /// forms): aiohttp's `request.query.get('name')`. `None` when absent
    /// or badly encoded.
    pub fn query(&self, name: &str) -> Option<String> {
        query_pairs(self.request.query()?).find(|(n, _)| n.as_deref() == Some(name)).and_then(|(_, v)| v)
    }

    /// The method, `GET`, `POST`, ...
    pub fn method(&self) -> &str {
        &self.request.method
    }

    /// The path, still percent-encoded.
    pub fn path(&self) -> &str {
        self.request.path()
    }
}

/// The query's pairs, decoded; a part that does not decode is `None`.
fn query_pairs(query: &str) -> impl Iterator<Item = (Option<String>, Option<String>)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode(&s.replace('+', " "));
        (decode(name), decode(value))
    })
}

/// A JSON answer (`application/json`), serialized with serde:
/// aiohttp's `web.json_response(data)`. A value serde cannot serialize
/// (a map with non-string keys) is a 500.
pub fn json_response<T: serde::Serialize + ?Sized>(data: &T) -> Response {
    match serde_json::to_vec(data) {
        Ok(mut body) => {
            body.push(b'\n');
            Response::with_type(StatusCode::OK, "application/json", body)
        }
        Err(e) => Response::text(StatusCode(500), format!("500 Internal Server Error: {e}\n")),
    }
}

/// An HTML answer (`text/html`). Escape whatever came from the client with
/// [`escape_html`] first.
pub fn html_response(body: impl Into<String>) -> Response {
    Response::with_type(StatusCode::OK, "text/html; charset=utf-8", body.into().into_bytes())
}

/// A plain-text answer: aiohttp's `web.Response(text=...)`.
pub fn text_response(body: impl Into<String>) -> Response {
    Response::text(StatusCode::OK, body.into())
}

/// `s` with `& < > " '` escaped, safe inside HTML text and attributes.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One segment of a pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Param(String),
}

/// A table of routes with handlers of type `H`; [`App`] and
/// [`AsyncApp`](super::app_async::AsyncApp) are each a `Router` of their
/// kind of handler.
pub struct Router<H> {
    routes: Vec<(String, Vec<Segment>, H)>,
}

impl<H> Default for Router<H> {
    fn default() -> Self {
        Router { routes: Vec::new() }
    }
}

impl<H> std::fmt::Debug for Router<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.routes.iter().map(|(m, p, _)| (m, p))).finish()
    }
}

/// What the router found for a request.
#[derive(Debug)]
pub enum Found<'a, H> {
    /// A handler, and the request with its path parameters filled in.
    Handler(&'a H, WebRequest),
    /// The answer without a handler: 404, 405, or 400 for a broken escape.
    Answer(Response),
}

impl<H> Router<H> {
    /// Adds a route. `pattern` starts with `/`; a `{name}` segment
    /// captures one segment.
    ///
    /// # Panics
    ///
    /// If `pattern` does not start with `/` (a programming error, found
    /// the first time the app is built).
    pub fn add(&mut self, method: &str, pattern: &str, handler: H) {
        assert!(pattern.starts_with('/'), "a route pattern starts with '/': {pattern:?}");
        let segments = pattern[1..]
            .split('/')
            .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) => Segment::Param(name.to_owned()),
                None => Segment::Literal(s.to_owned()),
            })
            .collect();
        self.routes.push((method.to_ascii_uppercase(), segments, handler));
    }

    /// Finds the handler for `request`, in the order the routes were added.
    pub fn find(&self, request: Request) -> Found<'_, H> {
        let path: Vec<&str> = request.path()[1.min(request.path().len())..].split('/').collect();
        let mut allowed = BTreeSet::new();
        for (method, pattern, handler) in &self.routes {
            let Some(captured) = captures(pattern, &path) else { continue };
            let answers = |m: &str| m == method || (m == "HEAD" && method == "GET");
            if !answers(&request.method) {
                allowed.insert(method.as_str());
                if method == "GET" {
                    allowed.insert("HEAD");
                }
                continue;
            }
            let mut match_info = Vec::with_capacity(captured.len());
            for (name, raw) in captured {
                match percent_decode(raw) {
                    Some(value) => match_info.push((name.to_owned(), value)),
                    None => {
                        return Found::Answer(Response::text(
                            StatusCode::BAD_REQUEST,
                            "bad percent-encoding in the path\n",
                        ));
                    }
                }
            }
            return Found::Handler(handler, WebRequest { request, match_info });
        }
        if allowed.is_empty() {
            return Found::Answer(Response::error(StatusCode::NOT_FOUND));
        }
        let mut response = Response::error(StatusCode::METHOD_NOT_ALLOWED);
        response.allow = Some(intern(allowed.into_iter().collect::<Vec<_>>().join(", ")));
        Found::Answer(response)
    }
}

/// The parameters `pattern` captures from `path`, or `None` if it does not match.
fn captures<'p, 'r>(pattern: &'p [Segment], path: &[&'r str]) -> Option<Vec<(&'p str, &'r str)>> {
    if pattern.len() != path.len() {
        return None;
    }
    let mut out = Vec::new();
    for (segment, part) in pattern.iter().zip(path) {
        match segment {
            Segment::Literal(text) if text == part => {}
            Segment::Param(name) if !part.is_empty() => out.push((name.as_str(), *part)),
            _ => return None,
        }
    }
    Some(out)
}

/// A `'static` copy of an `Allow` value ([`Response::allow`] is a
/// `&'static str`). There are only as many as sets of methods an app
/// registers on one path, so the copies are few and made once.
fn intern(value: String) -> &'static str {
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(&known) = seen.get(value.as_str()) {
        return known;
    }
    let leaked: &'static str = Box::leak(value.into_boxed_str());
    seen.insert(leaked);
    leaked
}

/// The `delay_ms` query parameter, zero when absent; `Err` when it is not
/// a number in `0..=MAX_DELAY_MS`.
pub(crate) fn delay_param(query: Option<&str>) -> Result<Duration, ()> {
    let Some(query) = query else { return Ok(Duration::ZERO) };
    let mut delay = Duration::ZERO;
    for pair in query.split('&') {
        if let Some(value) = pair.strip_prefix("delay_ms=") {
            let ms: u64 = value.parse().map_err(|_| ())?;
            if ms > MAX_DELAY_MS {
                return Err(());
            }
            delay = Duration::from_millis(ms);
        }
    }
    Ok(delay)
}

/// What every app does before routing: the `?delay_ms=N` knob, when on.
/// `Err` is the 400 for a bad delay.
pub(crate) fn knob(delay_knob: bool, request: &Request) -> Result<Duration, Routed> {
    if !delay_knob {
        return Ok(Duration::ZERO);
    }
    delay_param(request.query()).map_err(|()| Routed {
        response: Response::text(StatusCode::BAD_REQUEST, "delay_ms must be 0..=60000\n"),
        delay: Duration::ZERO,
    })
}

/// A plain-function handler, for the blocking backends.
pub type Handler = Box<dyn Fn(&WebRequest) -> Response + Send + Sync>;

// ANCHOR: app
/// A web application for threads, gevent and may: routes to plain
/// functions. Build it with [`get`](Self::get) and friends, serve it with
/// `http::threads::serve(addr, config, app)` (or gevent's, or may's).
#[derive(Debug, Default)]
pub struct App {
    router: Router<Handler>,
    delay_knob: bool,
}

impl App {
    /// An app with no routes: every request is a 404.
    pub fn new() -> App {
        App::default()
    }

    /// Adds a handler for `method` on `pattern`: aiohttp's
    /// `@routes.route(method, pattern)`.
    pub fn route(
        mut self,
        method: &str,
        pattern: &str,
        handler: impl Fn(&WebRequest) -> Response + Send + Sync + 'static,
    ) -> App {
        self.router.add(method, pattern, Box::new(handler));
        self
    }

    /// `GET` (and `HEAD`) on `pattern`: `@routes.get(pattern)`.
    pub fn get(
        self,
        pattern: &str,
        handler: impl Fn(&WebRequest) -> Response + Send + Sync + 'static,
    ) -> App {
        self.route("GET", pattern, handler)
    }

    /// `POST` on `pattern`: `@routes.post(pattern)`.
    pub fn post(
        self,
        pattern: &str,
        handler: impl Fn(&WebRequest) -> Response + Send + Sync + 'static,
    ) -> App {
        self.route("POST", pattern, handler)
    }

    /// Turns on corolab's latency knob: `?delay_ms=N` on any route answers
    /// N ms later, the backend sleeping its own way (the demo app has it).
    pub fn with_delay_knob(mut self) -> App {
        self.delay_knob = true;
        self
    }

    /// Answers one request.
    pub fn handle(&self, request: Request) -> Routed {
        let delay = match knob(self.delay_knob, &request) {
            Ok(delay) => delay,
            Err(routed) => return routed,
        };
        match self.router.find(request) {
            Found::Handler(handler, req) => Routed { response: handler(&req), delay },
            Found::Answer(response) if response.status == StatusCode::METHOD_NOT_ALLOWED => {
                Routed { response, delay: Duration::ZERO }
            }
            Found::Answer(response) => Routed { response, delay },
        }
    }
}
// ANCHOR_END: app

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::request::{Parsed, parse_request};

    fn request(method: &str, target: &str) -> Request {
        let bytes = format!("{method} {target} HTTP/1.1\r\nHost: x\r\n\r\n");
        match parse_request(bytes.as_bytes()) {
            Ok(Parsed::Complete(req, _)) => req,
            other => panic!("{other:?}"),
        }
    }

    fn app() -> App {
        App::new()
            .get("/users/{id}/posts/{post}", |r| {
                text_response(format!("{} {}", r.match_info("id").unwrap(), r.match_info("post").unwrap()))
            })
            .post("/users/{id}/posts/{post}", |_| text_response("posted"))
            .get("/search", |r| text_response(r.query("q").unwrap_or_default()))
    }

    #[test]
    fn patterns_capture_decoded_segments_and_the_query_decodes() {
        let app = app();
        assert_eq!(&*app.handle(request("GET", "/users/a%20b/posts/7")).response.body, b"a b 7");
        assert_eq!(&*app.handle(request("POST", "/users/1/posts/2")).response.body, b"posted");
        assert_eq!(&*app.handle(request("GET", "/search?x=1&q=two+words%21")).response.body, b"two words!");
        assert_eq!(&*app.handle(request("HEAD", "/search")).response.body, b"");
    }

    #[test]
    fn the_router_answers_404_405_with_allow_and_400_for_bad_escapes() {
        let app = app();
        for path in ["/users/1/posts", "/users//posts/2", "/search/x", "/"] {
            assert_eq!(app.handle(request("GET", path)).response.status, StatusCode::NOT_FOUND, "{path}");
        }
        let r = app.handle(request("DELETE", "/users/1/posts/2")).response;
        assert_eq!((r.status, r.allow), (StatusCode::METHOD_NOT_ALLOWED, Some("GET, HEAD, POST")));
        let r = app.handle(request("GET", "/users/%zz/posts/2")).response;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }

    #[test]
    fn escaping_and_json_do_what_they_say() {
        assert_eq!(escape_html("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        let r = json_response(&serde_json::json!({"a": [1, 2]}));
        assert_eq!((r.content_type, &*r.body), ("application/json", &b"{\"a\":[1,2]}\n"[..]));
    }
}
