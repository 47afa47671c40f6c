//! Library part of the `tongxin` binary: what its integration tests share with it.

pub mod bench_support;
