//! The CUDA execution provider, present only with `--features cuda`; without
//! it, asking for CUDA is a typed error before any session is built.

use ort::session::builder::SessionBuilder;

use crate::error::NnError;

/// `b` with the CUDA execution provider on GPU `id` (failing, not falling
/// back to the CPU, when CUDA cannot start).
#[cfg(feature = "cuda")]
pub(crate) fn with_cuda(b: SessionBuilder, id: i32) -> Result<SessionBuilder, NnError> {
    let ep = ort::ep::CUDA::default()
        .with_device_id(id)
        .build()
        .error_on_failure();
    b.with_execution_providers([ep])
        .map_err(|e| NnError::Runtime {
            context: format!("CUDA execution provider on GPU {id}"),
            reason: e.to_string(),
        })
}

#[cfg(not(feature = "cuda"))]
pub(crate) fn with_cuda(_b: SessionBuilder, _id: i32) -> Result<SessionBuilder, NnError> {
    Err(NnError::BackendNotCompiled {
        backend: "CUDA",
        feature: "cuda",
    })
}
