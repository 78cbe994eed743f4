//! `--threads`: the size of the process-wide worker pool.

/// Sizes rayon's global pool once (the default is all cores).
pub fn init(threads: Option<usize>) {
    if let Some(n) = threads {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n.max(1))
            .build_global()
            .ok();
    }
}
