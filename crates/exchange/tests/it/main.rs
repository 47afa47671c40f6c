//! Every integration test of exchange in one binary: one link instead of one per file. Each former
//! `tests/<name>.rs` is the module `<name>` here; shared helpers are modules too.

mod bulk;
mod common;
mod fuzz;
mod grids;
mod residents;
