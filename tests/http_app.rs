//! A handler written with the app API, served on every backend.

use corolab::http::app::{App, WebRequest, escape_html, html_response, json_response};
use corolab::http::app_async::AsyncApp;
use corolab::http::{Client, Response, ServerConfig, ServerHandle, aio, gevent, may, threads};
use std::net::TcpStream;

fn greet(req: &WebRequest) -> Response {
    let name = req.match_info("name").unwrap_or_default();
    let times = req.query("times").and_then(|t| t.parse().ok()).unwrap_or(1);
    html_response(format!("<p>{}</p>\n", escape_html(name).repeat(times)))
}

fn stats(req: &WebRequest) -> Response {
    json_response(&serde_json::json!({ "id": req.match_info("id"), "method": req.method() }))
}

fn app() -> App {
    App::new().get("/greet/{name}", greet).get("/stats/{id}", stats)
}

fn async_app() -> AsyncApp {
    AsyncApp::new().get("/greet/{name}", |req| async move { greet(&req) }).get(
        "/stats/{id}",
        |req| async move {
            corolab::aio::sleep(std::time::Duration::from_millis(1)).await;
            stats(&req)
        },
    )
}

fn check(server: ServerHandle) {
    let mut client = Client::new(TcpStream::connect(server.addr()).unwrap());
    let page = client.get("/greet/%3Ci%3E?times=2").unwrap();
    assert_eq!((page.status, &page.body[..]), (200, &b"<p>&lt;i&gt;&lt;i&gt;</p>\n"[..]));
    let json: serde_json::Value = serde_json::from_slice(&client.get("/stats/42").unwrap().body).unwrap();
    assert_eq!((json["id"].as_str(), json["method"].as_str()), (Some("42"), Some("GET")));
    assert_eq!(client.get("/").unwrap().status, 404);
    assert_eq!(client.get("/greet/a/b").unwrap().status, 404);
    drop(client);
    let mut raw = TcpStream::connect(server.addr()).unwrap();
    use std::io::{Read, Write};
    raw.write_all(b"POST /stats/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    raw.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 405"), "{answer}");
    assert!(answer.contains("\r\nAllow: GET, HEAD\r\n"), "{answer}");
    assert_eq!(server.stop().unwrap().requests, 5);
}

#[test]
fn a_handler_of_ones_own_is_served_by_threads() {
    check(threads::serve("127.0.0.1:0", ServerConfig::default(), app()).unwrap());
}

#[test]
fn a_handler_of_ones_own_is_served_by_gevent() {
    check(gevent::serve("127.0.0.1:0", ServerConfig::default(), app()).unwrap());
}

#[test]
fn a_handler_of_ones_own_is_served_by_may() {
    check(may::serve("127.0.0.1:0", ServerConfig::default(), app()).unwrap());
}

#[test]
fn an_async_handler_of_ones_own_is_served_by_aio() {
    check(aio::serve("127.0.0.1:0".parse().unwrap(), ServerConfig::default(), async_app()).unwrap());
}
