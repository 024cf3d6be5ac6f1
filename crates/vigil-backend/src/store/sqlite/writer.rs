//! The writer thread: owns the only write connection and runs every write job. Ingest jobs
//! already queued when the thread picks one up are committed together (group commit), so
//! concurrent agents share one fsync; a failing group is retried batch by batch so one bad
//! batch cannot fail the others.
use std::sync::mpsc::{self, Receiver, Sender};
use std::thread::JoinHandle;

use super::ingest::{ingest_group, IngestContext, Writer};
use crate::signals::SignalPolicy;
use crate::store::{IngestBatch, IngestReport, StoreError, StoreResult};
use crate::webhook::WebhookSink;

/// Most records committed in one group transaction.
const GROUP_MAX_RECORDS: usize = 20_000;

type Reply = Sender<StoreResult<IngestReport>>;

pub enum WriteJob {
    Ingest(IngestBatch, Reply),
    Run(Box<dyn FnOnce(&mut Writer) + Send>),
}

pub struct WriterThread {
    jobs: Option<Sender<WriteJob>>,
    thread: Option<JoinHandle<()>>,
}

fn stopped() -> StoreError {
    StoreError::Invalid("the store's writer thread has stopped".to_owned())
}

impl WriterThread {
    pub fn start(
        writer: Writer,
        policy: SignalPolicy,
        sinks: Vec<WebhookSink>,
    ) -> std::io::Result<WriterThread> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("vigil-store-writer".into())
            .spawn(move || run(writer, rx, &policy, &sinks))?;
        Ok(WriterThread {
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    pub fn ingest(&self, batch: IngestBatch) -> StoreResult<IngestReport> {
        let (reply, answer) = mpsc::channel();
        self.send(WriteJob::Ingest(batch, reply))?;
        answer.recv().map_err(|_| stopped())?
    }

    /// Runs `work` on the writer connection and returns its result.
    pub fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Writer) -> StoreResult<T> + Send + 'static,
    ) -> StoreResult<T> {
        let (reply, answer) = mpsc::channel();
        self.send(WriteJob::Run(Box::new(move |writer| {
            let _ = reply.send(work(writer));
        })))?;
        answer.recv().map_err(|_| stopped())?
    }

    fn send(&self, job: WriteJob) -> StoreResult<()> {
        self.jobs
            .as_ref()
            .ok_or_else(stopped)?
            .send(job)
            .map_err(|_| stopped())
    }
}

impl Drop for WriterThread {
    fn drop(&mut self) {
        self.jobs.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn run(mut writer: Writer, jobs: Receiver<WriteJob>, policy: &SignalPolicy, sinks: &[WebhookSink]) {
    let ctx = IngestContext { policy, sinks };
    while let Ok(job) = jobs.recv() {
        let (batch, reply) = match job {
            WriteJob::Run(work) => {
                work(&mut writer);
                continue;
            }
            WriteJob::Ingest(batch, reply) => (batch, reply),
        };
        let mut records = batch.records.len();
        let mut group = vec![(batch, reply)];
        let mut deferred = Vec::new();
        while records < GROUP_MAX_RECORDS {
            match jobs.try_recv() {
                Ok(WriteJob::Ingest(batch, reply)) => {
                    records += batch.records.len();
                    group.push((batch, reply));
                }
                Ok(WriteJob::Run(work)) => {
                    deferred.push(work);
                    break;
                }
                Err(_) => break,
            }
        }
        commit_group(&mut writer, &ctx, group);
        for work in deferred {
            work(&mut writer);
        }
    }
}

fn commit_group(writer: &mut Writer, ctx: &IngestContext<'_>, group: Vec<(IngestBatch, Reply)>) {
    let (batches, replies): (Vec<_>, Vec<_>) = group.into_iter().unzip();
    match ingest_group(writer, ctx, &batches) {
        Ok(reports) => {
            for (reply, report) in replies.into_iter().zip(reports) {
                let _ = reply.send(Ok(report));
            }
        }
        Err(e) if batches.len() == 1 => {
            let _ = replies[0].send(Err(e));
        }
        Err(_) => {
            for (batch, reply) in batches.iter().zip(replies) {
                let result = ingest_group(writer, ctx, std::slice::from_ref(batch))
                    .map(|mut reports| reports.remove(0));
                let _ = reply.send(result);
            }
        }
    }
}
