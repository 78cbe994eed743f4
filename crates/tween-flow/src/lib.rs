//! Classical optical-flow interpolation.
