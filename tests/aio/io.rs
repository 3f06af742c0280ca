//! TCP over loopback: echo, lines, connect errors.

use crate::{ms, run};
use corolab::aio::{self, AsyncIterator, TcpListener, TcpStream};

#[test]
fn echo_over_loopback_with_several_clients() {
    const CLIENTS: usize = 4;
    const MESSAGES: usize = 50;
    let echoed = run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = aio::spawn(async move {
            let mut conns = Vec::new();
            for _ in 0..CLIENTS {
                let (stream, _) = listener.accept().await.unwrap();
                conns.push(aio::spawn(async move {
                    let mut buf = [0; 1024];
                    loop {
                        let n = stream.read(&mut buf).await.unwrap();
                        if n == 0 {
                            break;
                        }
                        stream.write_all(&buf[..n]).await.unwrap();
                    }
                }));
            }
            aio::gather(conns).await.unwrap();
        });
        let clients: Vec<_> = (0..CLIENTS)
            .map(|c| {
                aio::spawn(async move {
                    let stream = TcpStream::connect(addr).await.unwrap();
                    let mut ok = 0;
                    for m in 0..MESSAGES {
                        let msg = format!("client {c} message {m:04}");
                        stream.write_all(msg.as_bytes()).await.unwrap();
                        let mut back = vec![0; msg.len()];
                        stream.read_exact(&mut back).await.unwrap();
                        assert_eq!(back, msg.as_bytes());
                        ok += 1;
                    }
                    stream.close().await.unwrap();
                    ok
                })
            })
            .collect();
        let counts = aio::gather(clients).await.unwrap();
        server.await.unwrap();
        counts.into_iter().sum::<usize>()
    });
    assert_eq!(echoed, CLIENTS * MESSAGES);
}

#[test]
fn lines_of_a_stream_are_an_async_iterator() {
    let lines = run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let writer = aio::spawn(async move {
            let stream = TcpStream::connect(addr).await.unwrap();
            stream.write_all(b"first\r\nsecond\nthi").await.unwrap();
            aio::sleep(ms(5)).await;
            stream.write_all(b"rd\nno newline").await.unwrap();
            stream.close().await.unwrap();
        });
        let (stream, _) = listener.accept().await.unwrap();
        let mut lines = stream.lines();
        let mut got = Vec::new();
        while let Some(line) = lines.next().await {
            got.push(line.unwrap());
        }
        writer.await.unwrap();
        got
    });
    assert_eq!(lines, ["first", "second", "third", "no newline"]);
}

#[test]
fn connecting_to_a_closed_port_fails() {
    let r = run(async {
        let addr = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        }; // closed again
        TcpStream::connect(addr).await.map(|_| ())
    });
    assert!(r.is_err());
}
