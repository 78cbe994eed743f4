//! One module per subcommand.

pub mod eval;
pub mod interpolate;
pub mod probe;
