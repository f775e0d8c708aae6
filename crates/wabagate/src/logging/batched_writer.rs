//! Where log lines go: appended to one buffer by the thread that logs them (a copy under a
//! lock, no wake-up, no system call), and written to the output by a thread of its own in
//! batches: once a line is waiting, the writer lets more gather for [`GATHER`] (or until
//! [`BATCH`] bytes), then writes them all with one `write()`.
//!
//! Written here rather than taken from `tracing-appender`, whose worker thread is woken for
//! every line, spins on its channel (`sched_yield`) and writes each line by itself: measured
//! under load on one core, two yields, a futex wake and a `write()` per request, the largest
//! cost of the access log (docs/performance.md).
//!
//! Nothing is lost and memory stays bounded: when the writer falls behind (the output is
//! blocked, a full pipe) and the buffer reaches [`MOST_BUFFERED`], the thread that logs
//! writes the buffer itself and waits for it, keeping the lines in order. Dropping the
//! [`WriterThread`] (the log guard holds it) writes every line still buffered; a line logged
//! after that is written at once by the thread that logs it.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tracing_subscriber::fmt::MakeWriter;

/// How long lines gather once one is waiting: a person reading the log sees each line this
/// much late at most; under load, every line of this interval shares one `write()`.
const GATHER: Duration = Duration::from_millis(10);
/// Bytes after which a batch is written without waiting out [`GATHER`].
const BATCH: usize = 64 * 1024;
/// Bytes buffered at most (about 4,000 access log lines): past this, the thread that logs
/// writes the buffer itself.
const MOST_BUFFERED: usize = 1024 * 1024;

/// The shared end: cheap to clone, one per subscriber.
pub(crate) struct BatchedWriter<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
}

impl<W: Write + Send + 'static> Clone for BatchedWriter<W> {
    fn clone(&self) -> Self {
        Self { shared: Arc::clone(&self.shared) }
    }
}

struct Shared<W> {
    /// Lines not yet written, in the order they were logged.
    buffer: Mutex<Vec<u8>>,
    /// Signals the writer: a first line arrived, a batch filled up, or the stop.
    wake: Condvar,
    /// Held while writing, so a batch and a write by a logging thread never interleave.
    output: Mutex<W>,
    stopping: AtomicBool,
}

/// The writer thread; dropping it writes every line still buffered and ends it.
pub(crate) struct WriterThread<W: Write + Send + 'static> {
    shared: Arc<Shared<W>>,
    thread: Option<JoinHandle<()>>,
}

impl<W: Write + Send + 'static> BatchedWriter<W> {
    /// Starts the writer thread (named `name`) in front of `output`.
    pub(crate) fn start(output: W, name: &str) -> io::Result<(Self, WriterThread<W>)> {
        let shared = Arc::new(Shared {
            buffer: Mutex::new(Vec::with_capacity(BATCH)),
            wake: Condvar::new(),
            output: Mutex::new(output),
            stopping: AtomicBool::new(false),
        });
        let thread = {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new().name(name.to_owned()).spawn(move || shared.write_batches())?
        };
        Ok((Self { shared: Arc::clone(&shared) }, WriterThread { shared, thread: Some(thread) }))
    }
}

impl<W: Write + Send + 'static> Drop for WriterThread<W> {
    /// Lines logged from now on are written at once by the thread that logs them.
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::Release);
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // What a writer thread that panicked left behind.
        self.shared.write_out(&mut lock(&self.shared.buffer));
    }
}

impl<W: Write + Send + 'static> Shared<W> {
    fn stopping(&self) -> bool {
        self.stopping.load(Ordering::Acquire)
    }

    /// The writer thread's loop.
    fn write_batches(&self) {
        let mut batch = Vec::with_capacity(BATCH);
        loop {
            let mut buffer = lock(&self.buffer);
            while buffer.is_empty() && !self.stopping() {
                buffer = self.wake.wait(buffer).unwrap_or_else(PoisonError::into_inner);
            }
            let deadline = Instant::now() + GATHER;
            while buffer.len() < BATCH && !self.stopping() {
                let Some(left) = deadline.checked_duration_since(Instant::now()) else { break };
                buffer = self.wake.wait_timeout(buffer, left).unwrap_or_else(PoisonError::into_inner).0;
            }
            if buffer.is_empty() {
                return; // stopping, and nothing left
            }
            std::mem::swap(&mut *buffer, &mut batch);
            // Taken before the buffer is let go, so a logging thread that writes the buffer
            // itself waits for this batch: the lines stay in order.
            let mut output = lock(&self.output);
            drop(buffer);
            let _ = output.write_all(&batch).and_then(|()| output.flush());
            drop(output);
            batch.clear();
            batch.shrink_to(BATCH);
        }
    }

    /// Writes `buffer` out now, by the calling thread.
    fn write_out(&self, buffer: &mut Vec<u8>) {
        if buffer.is_empty() {
            return;
        }
        let mut output = lock(&self.output);
        let _ = output.write_all(buffer).and_then(|()| output.flush());
        buffer.clear();
    }

    fn append(&self, line: &[u8]) {
        let mut buffer = lock(&self.buffer);
        let was_empty = buffer.is_empty();
        buffer.extend_from_slice(line);
        if self.stopping() || buffer.len() >= MOST_BUFFERED {
            self.write_out(&mut buffer);
        } else if was_empty || buffer.len() >= BATCH {
            self.wake.notify_one();
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// What `tracing-subscriber` writes one event's formatted line into.
pub(crate) struct LineSink<'a, W: Write + Send + 'static>(&'a Shared<W>);

impl<W: Write + Send + 'static> Write for LineSink<'_, W> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.append(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<'a, W: Write + Send + 'static> MakeWriter<'a> for BatchedWriter<W> {
    type Writer = LineSink<'a, W>;

    fn make_writer(&'a self) -> Self::Writer {
        LineSink(&self.shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output that records what it was given, and how many writes.
    #[derive(Clone, Default)]
    struct Recorded(Arc<Mutex<(Vec<u8>, usize)>>);

    impl Write for Recorded {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            let mut recorded = lock(&self.0);
            recorded.0.extend_from_slice(bytes);
            recorded.1 += 1;
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn log<W: Write + Send + 'static>(writer: &BatchedWriter<W>, line: &str) {
        writer.make_writer().write_all(line.as_bytes()).unwrap();
    }

    #[test]
    fn lines_logged_close_together_share_one_write_in_order() {
        let output = Recorded::default();
        let (writer, thread) = BatchedWriter::start(output.clone(), "test-log").unwrap();
        for n in 0..100 {
            log(&writer, &format!("line {n}\n"));
        }
        std::thread::sleep(GATHER * 5);
        let (written, writes) = lock(&output.0).clone();
        let expected: String = (0..100).map(|n| format!("line {n}\n")).collect();
        assert_eq!(String::from_utf8(written).unwrap(), expected);
        assert!(writes < 5, "{writes} writes for 100 lines");
        drop(thread);
    }

    #[test]
    fn a_stop_writes_every_buffered_line_and_later_lines_go_out_at_once() {
        let output = Recorded::default();
        let (writer, thread) = BatchedWriter::start(output.clone(), "test-log").unwrap();
        log(&writer, "before the stop\n");
        drop(thread);
        assert_eq!(lock(&output.0).0, b"before the stop\n");
        log(&writer, "after the stop\n");
        assert_eq!(lock(&output.0).0, b"before the stop\nafter the stop\n");
    }

    #[test]
    fn a_full_buffer_is_written_by_the_logging_thread_in_order() {
        /// An output that blocks until the test lets it go.
        struct Blocked(Arc<(Mutex<bool>, Condvar)>, Recorded);
        impl Write for Blocked {
            fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
                let (open, opened) = &*self.0;
                let mut open = lock(open);
                while !*open {
                    open = opened.wait(open).unwrap();
                }
                self.1.write(bytes)
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let gate = Arc::new((Mutex::new(false), Condvar::new()));
        let output = Recorded::default();
        let (writer, thread) = BatchedWriter::start(Blocked(Arc::clone(&gate), output.clone()), "test-log").unwrap();
        let line = format!("{}\n", "x".repeat(1023));
        let logger = {
            let writer = writer.clone();
            let line = line.clone();
            // 3 MiB of lines against a blocked output: the buffer never grows past its bound.
            std::thread::spawn(move || (0..3 * 1024).for_each(|_| log(&writer, &line)))
        };
        std::thread::sleep(Duration::from_millis(200));
        // Unbounded, 3 MiB would have been buffered in far less; bounded, it waits.
        assert!(!logger.is_finished(), "the logging thread waits for the blocked output");
        *lock(&gate.0) = true;
        gate.1.notify_all();
        logger.join().unwrap();
        drop(thread);
        let written = lock(&output.0).0.clone();
        assert_eq!(written.len(), 3 * 1024 * 1024);
        assert!(written.chunks(1024).all(|chunk| chunk == line.as_bytes()));
    }
}
