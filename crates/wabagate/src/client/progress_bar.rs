//! A terminal progress bar for uploads and downloads of large files. It draws on stderr
//! only when stderr is a terminal (indicatif hides it otherwise), so piped output and
//! tests see nothing of it.

use std::sync::Arc;

use indicatif::{ProgressBar, ProgressStyle};
use wabagate_sdk::TransferProgress;

/// Files smaller than this transfer too fast for a bar to help.
const SHOW_FROM_BYTES: u64 = 1024 * 1024;

/// An indicatif bar fed by the SDK's transfer callbacks.
pub(crate) struct TerminalProgress {
    bar: ProgressBar,
}

impl TerminalProgress {
    /// A bar labelled `verb` (`uploading`, `downloading`).
    pub(crate) fn shared(verb: &'static str) -> Arc<dyn TransferProgress> {
        let bar = ProgressBar::hidden();
        bar.set_message(verb);
        Arc::new(Self { bar })
    }
}

impl TransferProgress for TerminalProgress {
    fn started(&self, total: Option<u64>) {
        // Unknown or small sizes stay hidden.
        let Some(total) = total.filter(|total| *total >= SHOW_FROM_BYTES) else { return };
        self.bar.set_length(total);
        self.bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})")
                .expect("a valid template")
                .progress_chars("=> "),
        );
        self.bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }

    fn advanced(&self, bytes: u64) {
        self.bar.inc(bytes);
    }

    fn finished(&self) {
        self.bar.finish_and_clear();
    }
}
