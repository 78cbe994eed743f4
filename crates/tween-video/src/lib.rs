//! Video I/O through the FFmpeg libraries.
