//! The echo handler with `.await`: [`super::serve_connection`] for aio.
#![forbid(unsafe_code)]

use crate::aio::TcpStream;
use crate::server::{Open, ServerState, aio::read, aio::write_all};
use std::io;
use std::sync::Arc;

/// The handler aio's accept loop runs: [`serve_connection`], counting
/// what it echoed.
pub async fn serve(conn: Open<TcpStream>) -> io::Result<()> {
    let state = Arc::clone(conn.state());
    let (echoed, end) = serve_connection(&conn, &state).await;
    state.count_bytes(echoed);
    end
}

// ANCHOR: serve_connection
/// Echoes everything `stream` sends until it closes its side; a read or a
/// write that makes no progress for the stall timeout ends it. Returns the
/// bytes echoed and how the connection ended, as the blocking loop does.
pub async fn serve_connection(stream: &TcpStream, state: &ServerState) -> (u64, io::Result<()>) {
    let stall = state.config.read_timeout;
    let mut buf = [0u8; 4096];
    let mut echoed = 0u64;
    loop {
        let n = match read(stream, &mut buf, stall).await {
            Ok(0) => return (echoed, Ok(())),
            Ok(n) => n,
            Err(e) => return (echoed, Err(e)),
        };
        if let Err(e) = write_all(stream, &buf[..n], stall).await {
            return (echoed, Err(e));
        }
        echoed += n as u64;
    }
}
// ANCHOR_END: serve_connection
