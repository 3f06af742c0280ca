//! The `aio` arm of the `echo` scenario and the aio echo server.
//!
//! Every other scenario's aio arm lives in its own scenario file
//! (`src/scenarios/<name>.rs`), beside the other backends. These two wait
//! for the echo server's own home, where they move with the rest of echo.
//! Tasks record their trace events themselves (the loop records Running
//! and Ready, each await point its Waiting kind, the task's end Done).
#![forbid(unsafe_code)]

use super::{Error, TcpListener, TcpStream};
use crate::scenarios::{Config, Outcome, ScenarioError};

fn failed(e: Error) -> ScenarioError {
    ScenarioError::Failed(e.to_string())
}

fn io_failed(e: std::io::Error) -> ScenarioError {
    ScenarioError::Io(e)
}

// ANCHOR: echo
/// `echo`: a server task echoes whatever each connection sends; `clients`
/// client tasks each send `messages` messages over 127.0.0.1 and check
/// every echo byte for byte. One loop runs the server and the clients.
pub fn echo(clients: u64, messages: u64, config: &Config) -> Result<Outcome, ScenarioError> {
    let checked = super::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.map_err(io_failed)?;
        let addr = listener.local_addr().map_err(io_failed)?;
        config.say(format_args!("echo server on {addr}, {clients} clients × {messages} messages"));
        let server = super::spawn_named("server", async move {
            let mut connections = Vec::new();
            for c in 0..clients {
                let (stream, _) = listener.accept().await?;
                connections.push(super::spawn_named(format!("conn-{c}"), async move {
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = stream.read(&mut buf).await?;
                        if n == 0 {
                            return Ok::<_, std::io::Error>(());
                        }
                        stream.write_all(&buf[..n]).await?;
                    }
                }));
            }
            for conn in connections {
                conn.await.map_err(std::io::Error::other)??;
            }
            Ok::<_, std::io::Error>(())
        });
        let tasks: Vec<_> = (0..clients)
            .map(|c| {
                super::spawn_named(format!("client-{c}"), async move {
                    let stream = TcpStream::connect(addr).await?;
                    let mut good = 0u64;
                    for m in 0..messages {
                        let message = crate::scenarios::echo::message(c, m); // the workload every backend sends
                        stream.write_all(&message).await?;
                        let mut back = vec![0; message.len()];
                        stream.read_exact(&mut back).await?;
                        good += u64::from(back == message);
                    }
                    stream.close().await?;
                    Ok::<_, std::io::Error>(good)
                })
            })
            .collect();
        let mut checked = 0;
        for task in tasks {
            checked += task.await.map_err(failed)?.map_err(io_failed)?;
        }
        server.await.map_err(failed)?.map_err(io_failed)?;
        Ok::<_, ScenarioError>(checked)
    })?;
    let want = clients * messages;
    let detail = format!("{checked} of {want} echoes came back intact");
    config.say(&detail);
    Ok(Outcome { items: checked, unit: "messages", ok: checked == want, detail })
}
// ANCHOR_END: echo

// ANCHOR: echo_server
/// The aio echo server for `corolab serve echo --backend aio`: runs a loop
/// on this thread, a task per connection. It sends `()` on `stopped` once
/// it has stopped accepting (after `stop` is set and the acceptor woken),
/// then keeps serving the open connections until each closes, so the
/// caller can shut them down (`Served::shutdown_all`) and wait for them.
pub fn echo_server(
    listener: std::net::TcpListener,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    served: std::sync::Arc<crate::scenarios::echo::Served>,
    stopped: crossbeam_channel::Sender<()>,
) -> std::io::Result<()> {
    use std::sync::atomic::Ordering;
    super::run(async move {
        let listener = TcpListener::from_std(listener)?;
        let mut handlers = Vec::new();
        loop {
            let stream = match listener.accept().await {
                Ok((stream, _)) => stream,
                Err(_) => {
                    super::sleep(crate::scenarios::echo::ACCEPT_BACKOFF).await;
                    continue;
                }
            };
            if stop.load(Ordering::Acquire) {
                break;
            }
            let _ = stream.set_nodelay(true);
            let key = served.open(stream.try_clone_std());
            let served = served.clone();
            handlers.push(super::spawn(async move {
                let mut buf = [0u8; 4096];
                let mut echoed = 0u64;
                let end = loop {
                    let n = match stream.read(&mut buf).await {
                        Ok(0) => break Ok(()),
                        Ok(n) => n,
                        Err(e) => break Err(e),
                    };
                    if let Err(e) = stream.write_all(&buf[..n]).await {
                        break Err(e);
                    }
                    echoed += n as u64;
                };
                served.close(key, (echoed, end));
            }));
            handlers.retain(|h: &super::Task<()>| !h.is_done());
        }
        let _ = stopped.send(());
        for handler in handlers {
            let _ = handler.await;
        }
        Ok(())
    })
}
// ANCHOR_END: echo_server
