//! The aiohttp-style application with `async` handlers, for aio.
//!
//! [`AsyncApp`] is [`App`](super::app::App) whose handlers are `async fn`s
//! (any closure returning a future): a handler that awaits (a timer, a
//! client call to another server) parks its task and the loop serves the
//! other connections meanwhile. The routing, the 404/405 answers and the
//! response helpers are [`super::app`]'s, so a route means the same on
//! every backend.
//!
//! ```
//! use corolab::http::app::{WebRequest, text_response};
//! use corolab::http::app_async::AsyncApp;
//!
//! async fn hello(req: WebRequest) -> corolab::http::Response {
//!     text_response(format!("Hello, {}!\n", req.match_info("name").unwrap_or("you")))
//! }
//!
//! let app = AsyncApp::new().get("/hello/{name}", hello);
//! # drop(app);
//! ```
#![forbid(unsafe_code)]

use super::app::{Found, Router, WebRequest, knob};
use super::request::Request;
use super::response::{Response, StatusCode};
use super::routes::Routed;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// A boxed response future (a handler's answer, not yet awaited).
pub type ResponseFuture = Pin<Box<dyn Future<Output = Response>>>;

/// An async handler: takes the request, returns a future of the answer.
/// The handler is shared by the loop's thread; its future stays on it.
pub type AsyncHandler = Box<dyn Fn(WebRequest) -> ResponseFuture + Send + Sync>;

// ANCHOR: app
/// A web application for aio: routes to `async fn`s. Serve it with
/// `http::aio::serve(addr, config, app)`.
#[derive(Debug, Default)]
pub struct AsyncApp {
    router: Router<AsyncHandler>,
    delay_knob: bool,
}

impl AsyncApp {
    /// An app with no routes: every request is a 404.
    pub fn new() -> AsyncApp {
        AsyncApp::default()
    }

    /// Adds an async handler for `method` on `pattern`.
    pub fn route<F, Fut>(mut self, method: &str, pattern: &str, handler: F) -> AsyncApp
    where
        F: Fn(WebRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + 'static,
    {
        self.router.add(method, pattern, Box::new(move |req| Box::pin(handler(req))));
        self
    }

    /// `GET` (and `HEAD`) on `pattern`: `@routes.get(pattern)`.
    pub fn get<F, Fut>(self, pattern: &str, handler: F) -> AsyncApp
    where
        F: Fn(WebRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + 'static,
    {
        self.route("GET", pattern, handler)
    }

    /// `POST` on `pattern`: `@routes.post(pattern)`.
    pub fn post<F, Fut>(self, pattern: &str, handler: F) -> AsyncApp
    where
        F: Fn(WebRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Response> + 'static,
    {
        self.route("POST", pattern, handler)
    }

    /// Turns on the `?delay_ms=N` knob (see [`App::with_delay_knob`]).
    ///
    /// [`App::with_delay_knob`]: super::app::App::with_delay_knob
    pub fn with_delay_knob(mut self) -> AsyncApp {
        self.delay_knob = true;
        self
    }

    /// Answers one request, awaiting its handler.
    pub async fn handle(&self, request: Request) -> Routed {
        let delay = match knob(self.delay_knob, &request) {
            Ok(delay) => delay,
            Err(routed) => return routed,
        };
        match self.router.find(request) {
            Found::Handler(handler, req) => Routed { response: handler(req).await, delay },
            Found::Answer(response) if response.status == StatusCode::METHOD_NOT_ALLOWED => {
                Routed { response, delay: Duration::ZERO }
            }
            Found::Answer(response) => Routed { response, delay },
        }
    }
}
// ANCHOR_END: app
