//! Printing results to standard output without panicking when the reader
//! has gone (`tween probe x | head -1`): a closed pipe is an error that
//! `main` recognises and ends on quietly.

use std::io::Write;

/// Writes `text` and a newline to standard output.
pub fn line(text: impl std::fmt::Display) -> std::io::Result<()> {
    writeln!(std::io::stdout().lock(), "{text}")
}

/// Whether `e` (or what caused it) is a write to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `println!` that returns the write error (with `?`) instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::stdout::line(format_args!($($arg)*))?
    };
}
pub(crate) use outln;
