//! Zero-copy artifact bodies: the usercontent listener's connections send a cached body with
//! `sendfile` from its sealed in-memory file instead of copying it from memory into the
//! socket, which is most of the cost of serving a 225 KB artifact.
//!
//! hyper writes a response as a vectored write of its head and the body's `Bytes`. The
//! connection recognizes a slice of a cached body by its address (see
//! `ArtifactCache::first_in_file`), sends what comes before it with `MSG_MORE` so the head
//! leaves in the same packet as the body, then sends the slice from the file at the same
//! offset. The file is sealed against writes and the cache keeps the body's memory alive, so
//! the bytes sent are the bytes hyper asked for. Everything else is written as usual.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

use super::cache::{ArtifactCache, FileSlice};

/// The usercontent origin's listener: accepted connections have `TCP_NODELAY` and send
/// cached artifact bodies from their files.
pub struct SendfileListener {
    tcp: TcpListener,
    cache: ArtifactCache,
}

impl SendfileListener {
    pub fn new(tcp: TcpListener, cache: ArtifactCache) -> Self {
        Self { tcp, cache }
    }
}

impl axum::serve::Listener for SendfileListener {
    type Io = SendfileStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        // axum's own accept loop, with its handling of accept errors.
        let (tcp, address) = axum::serve::Listener::accept(&mut self.tcp).await;
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
        (SendfileStream::new(tcp, self.cache.clone()), address)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A connection of the usercontent listener.
pub struct SendfileStream {
    tcp: TcpStream,
    cache: ArtifactCache,
    /// Bytes sent from files so far.
    sent_from_files: u64,
}

impl SendfileStream {
    pub fn new(tcp: TcpStream, cache: ArtifactCache) -> Self {
        Self {
            tcp,
            cache,
            sent_from_files: 0,
        }
    }

    /// Bytes this connection has sent from files rather than from memory.
    pub fn sent_from_files(&self) -> u64 {
        self.sent_from_files
    }

    /// Runs the non-blocking `send` once the socket is writable, waiting again whenever it
    /// would block.
    fn poll_send(
        &self,
        cx: &mut Context<'_>,
        mut send: impl FnMut() -> io::Result<usize>,
    ) -> Poll<io::Result<usize>> {
        loop {
            ready!(self.tcp.poll_write_ready(cx))?;
            match self.tcp.try_io(Interest::WRITABLE, &mut send) {
                Err(error)
                    if matches!(
                        error.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted
                    ) => {}
                result => return Poll::Ready(result),
            }
        }
    }
}

impl AsyncRead for SendfileStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for SendfileStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.poll_write_vectored(cx, &[IoSlice::new(buf)])
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let Some((index, FileSlice { file, mut offset })) = self.cache.first_in_file(bufs) else {
            return Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        };
        let before = &bufs[..index];
        if before.iter().any(|buf| !buf.is_empty()) {
            return self.poll_send(cx, || send_more(&self.tcp, before));
        }
        let len = bufs[index].len();
        let sent = ready!(self.poll_send(cx, || send_file(&self.tcp, &file, &mut offset, len)))?;
        self.sent_from_files += sent as u64;
        Poll::Ready(Ok(sent))
    }

    fn is_write_vectored(&self) -> bool {
        // hyper then hands over the body's own `Bytes` instead of copying it into its buffer.
        true
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

#[cfg(target_os = "linux")]
fn send_file(
    tcp: &TcpStream,
    file: &std::os::fd::OwnedFd,
    offset: &mut u64,
    len: usize,
) -> io::Result<usize> {
    Ok(rustix::fs::sendfile(tcp, file, Some(offset), len)?)
}

/// Sends `bufs`, telling the kernel more follows, so they share a packet with what does.
#[cfg(target_os = "linux")]
fn send_more(tcp: &TcpStream, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    use rustix::net::{SendAncillaryBuffer, SendFlags};
    Ok(rustix::net::sendmsg(
        tcp,
        bufs,
        &mut SendAncillaryBuffer::default(),
        SendFlags::MORE | SendFlags::NOSIGNAL,
    )?)
}

// Without memfd no body has a file, so these are never reached.
#[cfg(not(target_os = "linux"))]
fn send_file(
    _tcp: &TcpStream,
    _file: &std::os::fd::OwnedFd,
    _offset: &mut u64,
    _len: usize,
) -> io::Result<usize> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(not(target_os = "linux"))]
fn send_more(_tcp: &TcpStream, _bufs: &[IoSlice<'_>]) -> io::Result<usize> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::IoSlice;

    use axum::body::Bytes;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::{TcpListener, TcpStream};

    use super::SendfileStream;
    use crate::artifacts::cache::ArtifactCache;

    /// Writes `parts` in full the way hyper does: vectored writes, advancing past what each
    /// one took.
    async fn write_all_vectored(stream: &mut SendfileStream, parts: &[&[u8]]) {
        let mut parts: Vec<&[u8]> = parts.to_vec();
        while parts.iter().any(|part| !part.is_empty()) {
            let slices: Vec<IoSlice<'_>> = parts.iter().map(|part| IoSlice::new(part)).collect();
            let mut written = stream.write_vectored(&slices).await.unwrap();
            assert!(written > 0);
            for part in &mut parts {
                let taken = written.min(part.len());
                *part = &part[taken..];
                written -= taken;
            }
        }
    }

    #[tokio::test]
    async fn cached_bodies_go_out_from_their_files_byte_for_byte() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap());
        let (client, accepted) = tokio::join!(client, listener.accept());
        let (mut client, server) = (client.unwrap(), accepted.unwrap().0);

        // Larger than any socket buffer, so sends are partial and resume at an offset.
        let body: Bytes = (0..8 * 1024 * 1024_u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>()
            .into();
        let elsewhere = Bytes::from(b"not cached".to_vec());
        let cache = ArtifactCache::default();
        cache.admit_for_test(&body);
        let mut stream = SendfileStream::new(server, cache);

        let reader = tokio::spawn(async move {
            let mut received = Vec::new();
            client.read_to_end(&mut received).await.unwrap();
            received
        });
        let middle = &body[1000..5_000_000];
        write_all_vectored(
            &mut stream,
            &[b"head\r\n\r\n", &body, b"|", middle, &elsewhere],
        )
        .await;
        let from_files = stream.sent_from_files();
        stream.shutdown().await.unwrap();
        drop(stream);

        let received = reader.await.unwrap();
        let mut expected = b"head\r\n\r\n".to_vec();
        expected.extend_from_slice(&body);
        expected.push(b'|');
        expected.extend_from_slice(middle);
        expected.extend_from_slice(&elsewhere);
        assert!(received == expected, "the bytes arrive in order, unchanged");
        assert_eq!(
            from_files,
            (body.len() + middle.len()) as u64,
            "every cached byte went out with sendfile, nothing else did"
        );
    }
}
