//! Where records go: a JSON-lines writer (stdout or a file), an in-memory channel (tests,
//! embedding), or any other [`RecordSink`] (the backend forwarder).

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::sync::mpsc;

/// Receives complete records (one JSON object followed by `\n`).
pub trait RecordSink: Send {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()>;
    fn flush(&mut self) -> io::Result<()>;
    /// Records this sink accepted but then lost (e.g. a full forwarder spool) since the last call.
    fn take_lost(&mut self) -> u64 {
        0
    }
}

/// The `--output` target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputTarget {
    Stdout,
    File(PathBuf),
}

impl OutputTarget {
    /// `-` is stdout, anything else a file path (appended to).
    pub fn parse(s: &str) -> OutputTarget {
        if s == "-" {
            OutputTarget::Stdout
        } else {
            OutputTarget::File(PathBuf::from(s))
        }
    }

    pub fn describe(&self) -> String {
        match self {
            OutputTarget::Stdout => "stdout".into(),
            OutputTarget::File(p) => p.display().to_string(),
        }
    }

    /// Opens the target as a buffered JSON-lines sink.
    pub fn open(&self) -> io::Result<Box<dyn RecordSink>> {
        Ok(match self {
            OutputTarget::Stdout => Box::new(LineWriter {
                out: BufWriter::new(Box::new(io::stdout()) as Box<dyn Write + Send>),
            }),
            OutputTarget::File(path) => {
                let file: File = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        io::Error::new(
                            e.kind(),
                            format!("cannot open output {}: {e}", path.display()),
                        )
                    })?;
                Box::new(LineWriter {
                    out: BufWriter::new(Box::new(file) as Box<dyn Write + Send>),
                })
            }
        })
    }
}

/// Buffered JSON lines.
struct LineWriter {
    out: BufWriter<Box<dyn Write + Send>>,
}

impl RecordSink for LineWriter {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.out.write_all(record)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// Sends each record as an owned line to a channel (the receiver parses them).
pub struct ChannelSink(pub mpsc::Sender<Vec<u8>>);

impl RecordSink for ChannelSink {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        self.0
            .send(record.to_vec())
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "record receiver is gone"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes every record to several sinks (e.g. a file and the backend forwarder).
pub struct FanOut(pub Vec<Box<dyn RecordSink>>);

impl RecordSink for FanOut {
    fn write_record(&mut self, record: &[u8]) -> io::Result<()> {
        let mut first_error = None;
        for sink in &mut self.0 {
            if let Err(e) = sink.write_record(record) {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut first_error = None;
        for sink in &mut self.0 {
            if let Err(e) = sink.flush() {
                first_error.get_or_insert(e);
            }
        }
        first_error.map_or(Ok(()), Err)
    }

    fn take_lost(&mut self) -> u64 {
        self.0.iter_mut().map(|s| s.take_lost()).sum()
    }
}
