//! The tests lesson 08's exercise and solution share.

use super::{Countdown, most_at_once, shout};
use corolab::aio::{self, AsyncIterator, TcpListener, TcpStream};

#[test]
fn countdown_yields_n_down_to_one_then_ends() {
    let got = aio::run(async {
        let mut it = Countdown::new(3);
        let mut got = Vec::new();
        while let Some(x) = it.next().await {
            got.push(x);
        }
        assert_eq!(it.next().await, None, "an ended iterator stays ended");
        got
    });
    assert_eq!(got, [3, 2, 1]);
}

#[test]
fn shout_answers_every_line_until_the_stream_ends() {
    let (answered, reply) = aio::run(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = aio::spawn(async move {
            let (stream, _) = listener.accept().await.unwrap();
            shout(&stream).await.unwrap()
        });
        let client = TcpStream::connect(addr).await.unwrap();
        client.write_all(b"hello\nasync world\nno newline").await.unwrap();
        client.shutdown(std::net::Shutdown::Write).unwrap();
        let mut reply = Vec::new();
        aio::wait_for(client.read_to_end(&mut reply), std::time::Duration::from_secs(10))
            .await
            .expect("the server answered and closed")
            .unwrap();
        (server.await.unwrap(), String::from_utf8(reply).unwrap())
    });
    assert_eq!(answered, 3);
    assert_eq!(reply, "HELLO\nASYNC WORLD\nNO NEWLINE\n");
}

#[test]
fn a_semaphore_guard_bounds_how_many_are_inside() {
    assert_eq!(aio::run(most_at_once(10, 3)), 3);
    assert_eq!(aio::run(most_at_once(2, 5)), 2);
}
