//! tween-nn integration tests, one binary: the conformance weight files,
//! hostile and damaged files, bombs, the strict key check, the model store.

mod bombs;
mod check_keys;
mod conformance;
mod esrgan;
mod esrgan_errors;
mod helpers;
mod hostile;
mod npy;
mod ops;
mod rife;
mod store;
