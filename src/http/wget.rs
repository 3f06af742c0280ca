//! The articles' "wget": an HTTP answer's headers read line by line with
//! asyncio-style streams, then its body read exactly.
//!
//! The Python original (`lessons/12-web-server-and-crawler/wget.py`) opens
//! a connection with `asyncio.open_connection`, writes the request, drains,
//! and prints the header lines as `reader.readline()` yields them; here
//! the same steps run on [`crate::aio::streams`], and the body is read
//! from the same reader with `readexactly(Content-Length)`, losing no byte.
#![forbid(unsafe_code)]

use crate::aio::streams::{StreamError, open_connection};
use std::io;

// ANCHOR: wget
/// Fetches `path` from `host:port`: the header lines (without their
/// `\r\n`), and the body.
pub async fn wget(host: &str, port: u16, path: &str) -> Result<(Vec<String>, Vec<u8>), StreamError> {
    let (mut reader, mut writer) = open_connection(host, port).await?;
    writer.write(format!("GET {path} HTTP/1.0\r\nHost: {host}\r\n\r\n").as_bytes());
    writer.drain().await?;
    let mut headers = Vec::new();
    loop {
        let line = reader.readline().await?;
        if line == b"\r\n" || line.is_empty() {
            break; // the blank line ends the head
        }
        headers.push(String::from_utf8_lossy(&line).trim_end().to_owned());
    }
    let length = headers
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse::<usize>())
        })
        .unwrap_or(Ok(0))
        .map_err(|e| {
            StreamError::Io(io::Error::new(io::ErrorKind::InvalidData, format!("Content-Length: {e}")))
        })?;
    let body = reader.readexactly(length).await?;
    writer.close().await?;
    Ok((headers, body))
}
// ANCHOR_END: wget
