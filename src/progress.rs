//! Scan progress for long scans: the library reports stages and steps, the
//! CLI draws them (an indicatif bar on stderr when it is a terminal).

use std::fmt;
use std::sync::Arc;

/// One progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProgressEvent {
    /// A stage begins with this many steps (`extract`: one per input file).
    Start {
        /// Stage name.
        stage: &'static str,
        /// Number of steps.
        total: u64,
    },
    /// One step of the current stage is done (called from worker threads).
    Advance,
    /// The current stage is over.
    Finish,
}

/// A thread-safe progress sink, set in [`crate::Config::progress`].
#[derive(Clone)]
pub struct Progress(Arc<dyn Fn(ProgressEvent) + Send + Sync>);

impl Progress {
    /// Wraps a callback.
    pub fn new(f: impl Fn(ProgressEvent) + Send + Sync + 'static) -> Self {
        Progress(Arc::new(f))
    }

    /// Sends one event.
    pub fn report(&self, event: ProgressEvent) {
        (self.0)(event)
    }
}

impl fmt::Debug for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Progress(..)")
    }
}

/// Sends an event when a sink is set.
pub fn report(progress: Option<&Progress>, event: ProgressEvent) {
    if let Some(p) = progress {
        p.report(event);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn events_reach_the_callback() {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = seen.clone();
        let p = Progress::new(move |e| sink.lock().unwrap().push(e));
        report(
            Some(&p),
            ProgressEvent::Start {
                stage: "extract",
                total: 2,
            },
        );
        report(Some(&p), ProgressEvent::Advance);
        report(None, ProgressEvent::Advance);
        assert_eq!(seen.lock().unwrap().len(), 2);
        assert_eq!(format!("{p:?}"), "Progress(..)");
    }
}
