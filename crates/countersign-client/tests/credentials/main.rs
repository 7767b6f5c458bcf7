//! The credential chain: each source, the precedence between them, and the cache.
//! One binary, one module per source.

mod env;
mod common;
mod process;
mod profile;
mod region;
mod container;
mod imds;
mod server;
mod cache;
mod chain;
