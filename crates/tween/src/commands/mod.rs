//! One module per subcommand.

pub mod eval;
pub mod interpolate;
pub mod models;
pub mod probe;
