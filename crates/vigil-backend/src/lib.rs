//! Vigil backend: intake, event store, search and security signals.
