//! The checkpointer thread: copies the WAL back into the database file once a second from its
//! own connection, so ingest commits only append to the WAL and fsync it (the writer connection
//! has automatic checkpoints disabled). If the WAL still grows past `WAL_RESTART_FRAMES` the
//! checkpointer waits for a quiet moment and restarts it.
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::Connection;

use crate::store::StoreResult;

const INTERVAL: Duration = Duration::from_secs(1);
/// WAL frames (pages) after which a blocking RESTART checkpoint is used.
const WAL_RESTART_FRAMES: i64 = 262_144;

pub struct Checkpointer {
    stop: Option<Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<i64> {
    // Returns (busy, frames in the WAL, frames checkpointed).
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        r.get::<_, i64>(1)
    })
}

impl Checkpointer {
    pub fn start(path: &Path) -> StoreResult<Checkpointer> {
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA busy_timeout = 10000;")?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("vigil-checkpoint".into())
            .spawn(move || loop {
                match stopped.recv_timeout(INTERVAL) {
                    Err(RecvTimeoutError::Timeout) => {}
                    _ => return,
                }
                match checkpoint(&conn, "PASSIVE") {
                    Ok(frames) if frames > WAL_RESTART_FRAMES => {
                        if let Err(e) = checkpoint(&conn, "RESTART") {
                            eprintln!("vigil backend: WAL restart checkpoint failed: {e}");
                        }
                    }
                    Ok(_) => {}
                    Err(e) => eprintln!("vigil backend: WAL checkpoint failed: {e}"),
                }
            })?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
