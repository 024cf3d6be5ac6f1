//! The forwarder's bounded on-disk queue of sealed batches, oldest first. Each batch is one file
//! `<seq>-<records>-<batch id>.gz` holding the exact gzip body to POST, written to a temporary
//! name, fsynced and renamed, so a crash leaves either the whole batch or nothing.
use std::collections::VecDeque;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// A batch ready to send: its idempotency id, record count and gzip-compressed JSON lines.
#[derive(Debug, Clone, PartialEq)]
pub struct SealedBatch {
    pub id: String,
    pub records: u64,
    pub body: Vec<u8>,
}

#[derive(Debug)]
struct Entry {
    path: PathBuf,
    id: String,
    records: u64,
    bytes: u64,
}

#[derive(Debug)]
pub enum PushError {
    /// Storing the batch would exceed the spool's byte limit.
    Full,
    Io(io::Error),
}

#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    max_bytes: u64,
    used_bytes: u64,
    next_seq: u64,
    entries: VecDeque<Entry>,
}

fn parse_name(name: &str) -> Option<(u64, u64, String)> {
    let stem = name.strip_suffix(".gz")?;
    let mut parts = stem.splitn(3, '-');
    let seq = parts.next()?.parse().ok()?;
    let records = parts.next()?.parse().ok()?;
    let id = parts.next()?.to_owned();
    Some((seq, records, id))
}

impl Spool {
    /// Opens the spool directory, recovering batches left by a previous run and deleting
    /// unfinished temporary files.
    pub fn open(dir: &Path, max_bytes: u64) -> io::Result<Spool> {
        fs::create_dir_all(dir)?;
        let mut found = Vec::new();
        for entry in fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                fs::remove_file(entry.path())?;
                continue;
            }
            if let Some((seq, records, id)) = parse_name(&name) {
                found.push((
                    seq,
                    Entry {
                        path: entry.path(),
                        id,
                        records,
                        bytes: entry.metadata()?.len(),
                    },
                ));
            }
        }
        found.sort_by_key(|(seq, _)| *seq);
        let next_seq = found.last().map_or(0, |(seq, _)| seq + 1);
        let used_bytes = found.iter().map(|(_, e)| e.bytes).sum();
        Ok(Spool {
            dir: dir.to_owned(),
            max_bytes,
            used_bytes,
            next_seq,
            entries: found.into_iter().map(|(_, e)| e).collect(),
        })
    }

    pub fn push(&mut self, batch: &SealedBatch) -> Result<(), PushError> {
        let size = batch.body.len() as u64;
        if self.used_bytes + size > self.max_bytes {
            return Err(PushError::Full);
        }
        let name = format!("{:016}-{}-{}.gz", self.next_seq, batch.records, batch.id);
        let path = self.dir.join(&name);
        let tmp = self.dir.join(format!("{name}.tmp"));
        let write = || -> io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            file.write_all(&batch.body)?;
            file.sync_all()?;
            fs::rename(&tmp, &path)?;
            fs::File::open(&self.dir)?.sync_all()
        };
        write().map_err(PushError::Io)?;
        self.next_seq += 1;
        self.used_bytes += size;
        self.entries.push_back(Entry {
            path,
            id: batch.id.clone(),
            records: batch.records,
            bytes: size,
        });
        Ok(())
    }

    /// Reads the oldest batch.
    pub fn front(&self) -> Option<io::Result<SealedBatch>> {
        let entry = self.entries.front()?;
        Some(fs::read(&entry.path).map(|body| SealedBatch {
            id: entry.id.clone(),
            records: entry.records,
            body,
        }))
    }

    /// Removes the oldest batch (acknowledged or abandoned).
    pub fn pop_front(&mut self) -> io::Result<()> {
        if let Some(entry) = self.entries.pop_front() {
            self.used_bytes -= entry.bytes;
            match fs::remove_file(&entry.path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn batches(&self) -> usize {
        self.entries.len()
    }

    pub fn bytes(&self) -> u64 {
        self.used_bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(id: &str, size: usize) -> SealedBatch {
        SealedBatch {
            id: id.into(),
            records: 3,
            body: vec![7; size],
        }
    }

    #[test]
    fn fifo_bounded_and_recovered() {
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path(), 250).unwrap();
        spool.push(&batch("a-1", 100)).unwrap();
        spool.push(&batch("b-2", 100)).unwrap();
        assert!(matches!(spool.push(&batch("c", 100)), Err(PushError::Full)));
        fs::write(dir.path().join("junk.gz.tmp"), b"x").unwrap();
        drop(spool);
        let mut spool = Spool::open(dir.path(), 250).unwrap();
        assert_eq!((spool.batches(), spool.bytes()), (2, 200));
        assert!(!dir.path().join("junk.gz.tmp").exists());
        assert_eq!(spool.front().unwrap().unwrap(), batch("a-1", 100));
        spool.pop_front().unwrap();
        spool.push(&batch("c-3", 100)).unwrap();
        assert_eq!(spool.front().unwrap().unwrap().id, "b-2");
        spool.pop_front().unwrap();
        assert_eq!(spool.front().unwrap().unwrap().id, "c-3");
        spool.pop_front().unwrap();
        assert!(spool.is_empty());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }
}
